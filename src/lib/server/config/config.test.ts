import { describe, it, expect } from 'vitest';
import { loadConfig } from './index';

describe('loadConfig', () => {
  it('applies defaults', () => {
    const c = loadConfig({});
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.OUTPOST_ACCESS_TTL).toBe(900);
    expect(c.dataDir).toMatch(/storage$/);
    expect(c.OUTPOST_DEMO).toBe(false);
  });
  it('names every bad variable and never echoes values', () => {
    let message = '';
    try {
      loadConfig({ DATABASE_URL: 'mysql://u:hunter2@x/db', OUTPOST_SECRET: 'short-secret', OUTPOST_ACCESS_TTL: 'soon' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/DATABASE_URL/);
    expect(message).toMatch(/OUTPOST_SECRET/);
    expect(message).toMatch(/OUTPOST_ACCESS_TTL/);
    expect(message).not.toMatch(/hunter2|short-secret/);
  });
  it('treats an empty DATABASE_URL as unset (embedded database)', () => {
    expect(loadConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });
});
