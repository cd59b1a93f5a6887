import { describe, it, expect } from 'vitest';
import { clampDeviceTime, MAX_DEVICE_LAG_MS } from './clock';

describe('clampDeviceTime', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  it('keeps a device time within the last 7 days', () => {
    const t = new Date('2026-03-08T08:30:00Z');
    expect(clampDeviceTime(t, now)).toEqual(t);
  });
  it('pulls a future device time back to server now', () => {
    expect(clampDeviceTime(new Date('2026-03-10T13:00:00Z'), now)).toEqual(now);
  });
  it('raises a device time older than 7 days to now − 7 days', () => {
    expect(clampDeviceTime(new Date('2025-01-01T00:00:00Z'), now)).toEqual(new Date(now.getTime() - MAX_DEVICE_LAG_MS));
  });
  it('treats an invalid time as now', () => {
    expect(clampDeviceTime(new Date('nope'), now)).toEqual(now);
  });
});
