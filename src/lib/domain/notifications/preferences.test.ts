import { describe, it, expect } from 'vitest';
import { channelsFor, DEFAULT_PREFERENCES, PreferencesBody, resolvePreferences } from './preferences';

describe('notification preferences', () => {
  it('merge stored values over the defaults and drop what does not parse', () => {
    const p = resolvePreferences({ 'ticket.assigned': { inApp: true, email: false }, 'comment.added': { inApp: 'yes' }, bogus: { inApp: false, email: false } });
    expect(p['ticket.assigned']).toEqual({ inApp: true, email: false });
    expect(p['comment.added']).toEqual(DEFAULT_PREFERENCES['comment.added']);
    expect(Object.keys(p)).not.toContain('bogus');
  });

  it('map notification types to their switch; escalation.* share one; unknown types are in-app only', () => {
    const p = resolvePreferences({ escalation: { inApp: false, email: true } });
    expect(channelsFor(p, 'escalation')).toEqual({ inApp: false, email: true });
    expect(channelsFor(p, 'change.decided')).toEqual({ inApp: true, email: false });
  });

  it('refuse unknown events and partial channel objects, naming the field', () => {
    expect(PreferencesBody.safeParse({ 'ticket.exploded': { inApp: true, email: true } }).success).toBe(false);
    expect(PreferencesBody.safeParse({ 'sla.warning': { inApp: true } }).error?.issues[0].path).toEqual(['sla.warning', 'email']);
  });
});
