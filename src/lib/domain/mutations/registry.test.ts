import { describe, it, expect } from 'vitest';
import { MUTATIONS, MUTATION_NAMES, isMutationName } from './registry';
import { MutationBatch, MAX_BATCH } from './envelope';

const v7 = '0195b3a0-1c2d-7e4f-8a6b-1234567890ab';
const v4 = '3b241101-e2bb-4255-8caf-4136c566a962';

describe('mutation registry', () => {
  it('defines each mutation once under its own name', () => {
    for (const n of MUTATION_NAMES) expect(MUTATIONS[n].name).toBe(n);
    expect(isMutationName('ticket.update')).toBe(true);
    expect(isMutationName('toString')).toBe(false);
  });

  it('needs client-generated UUIDv7 ids for created rows and defaults the comment to public', () => {
    expect(MUTATIONS['ticket.create'].args.safeParse({ id: v4, subject: 'x' }).success).toBe(false);
    expect(MUTATIONS['ticket.create'].args.safeParse({ id: v7, subject: '  VPN down ' }).data).toEqual({ id: v7, subject: 'VPN down' });
    expect(MUTATIONS['comment.add'].args.parse({ id: v7, ticket_id: v4, body: 'hi' }).internal).toBe(false);
  });

  it('requires a base value for every edited field, and at least one field', () => {
    const r = MUTATIONS['ticket.update'].args.safeParse({ id: v4, set: { subject: 'New', priority: 'high' }, base: { subject: 'Old' } });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['base.priority']);
    expect(MUTATIONS['ticket.update'].args.safeParse({ id: v4, set: {}, base: {} }).success).toBe(false);
    expect(MUTATIONS['ticket.update'].args.safeParse({ id: v4, set: { status: 'closed' }, base: { status: 'new' } }).success).toBe(false);
    expect(MUTATIONS['ticket.update'].args.parse({ id: v4, set: { tags: ['VPN', 'vpn', ' Urgent'] }, base: { tags: ['Old'] } })).toEqual({
      id: v4,
      set: { tags: ['vpn', 'urgent'] },
      base: { tags: ['old'] }
    });
  });

  it('marks notifications read by ids or all, not both', () => {
    const a = MUTATIONS['notification.markRead'].args;
    expect(a.safeParse({ ids: [v4] }).success).toBe(true);
    expect(a.safeParse({ all: true }).success).toBe(true);
    expect(a.safeParse({}).success).toBe(false);
    expect(a.safeParse({ ids: [v4], all: true }).success).toBe(false);
  });
});

describe('mutation envelope', () => {
  const m = { id: v4, name: 'ticket.update', args: {}, clientTime: '2026-03-10T12:00:00.000Z' };
  it('accepts a batch and leaves name and args to each mutation', () => {
    expect(MutationBatch.safeParse({ clientId: v4, mutations: [m, { ...m, name: 'no.such' }] }).success).toBe(true);
  });
  it('names the bad field of a malformed envelope', () => {
    const paths = (b: unknown) => MutationBatch.safeParse(b).error!.issues.map((i) => i.path.join('.'));
    expect(paths({ clientId: 'x', mutations: [m] })).toEqual(['clientId']);
    expect(paths({ clientId: v4, mutations: [{ ...m, clientTime: 'yesterday' }] })).toEqual(['mutations.0.clientTime']);
    expect(paths({ clientId: v4, mutations: [] })).toEqual(['mutations']);
    expect(paths({ clientId: v4, mutations: Array.from({ length: MAX_BATCH + 1 }, () => m) })).toEqual(['mutations']);
  });
});
