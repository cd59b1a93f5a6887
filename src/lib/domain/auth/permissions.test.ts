import { describe, it, expect } from 'vitest';
import { can, DEFAULT_GRANTS, PERMISSIONS, type Actor, type RoleKey } from './permissions';

const actor = (role: RoleKey, id = 'u1'): Actor => ({ id, email: 'x@y', name: 'X', roles: [role], permissions: new Set(DEFAULT_GRANTS[role]), via: 'cookie' });

describe('can', () => {
  it('grants admins everything', () => {
    for (const p of PERMISSIONS) expect(can(actor('admin'), p)).toBe(true);
  });
  it('denies without an actor', () => {
    expect(can(null, 'tickets.create')).toBe(false);
  });
  it('lets agents read every ticket and requesters only their own', () => {
    expect(can(actor('agent'), 'tickets.read', { requesterId: 'someone' })).toBe(true);
    expect(can(actor('requester', 'me'), 'tickets.read', { requesterId: 'me' })).toBe(true);
    expect(can(actor('requester', 'me'), 'tickets.read', { requesterId: 'other' })).toBe(false);
    expect(can(actor('end_user', 'me'), 'tickets.read')).toBe(false);
  });
  it('keeps internal notes and admin powers away from end users and requesters', () => {
    for (const role of ['end_user', 'requester'] as const) {
      expect(can(actor(role), 'comments.internal')).toBe(false);
      expect(can(actor(role), 'users.manage')).toBe(false);
      expect(can(actor(role), 'kb.read.internal')).toBe(false);
    }
  });
  it('grants only known permissions', () => {
    for (const perms of Object.values(DEFAULT_GRANTS)) for (const p of perms) expect(PERMISSIONS).toContain(p);
  });
});
