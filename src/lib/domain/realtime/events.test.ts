// Routing of committed changes to real-time events: who gets what, and what an end user never sees.
import { describe, it, expect } from 'vitest';
import { collapsePresence, routeChange, STAFF_ROOM, type ChangeEntry } from './events';

const T = '01900000-0000-7000-8000-000000000001';
const REQ = '01900000-0000-7000-8000-0000000000a1';
const AGENT = '01900000-0000-7000-8000-0000000000b1';
const AGENT2 = '01900000-0000-7000-8000-0000000000b2';
// Values as the change log holds them: text.
const ticket = { id: T, number: '42', subject: 'VPN', status: 'new', priority: 'medium', requester_id: REQ, assignee_id: AGENT, team_id: null, updated_by: AGENT };
const upd = (old: Record<string, unknown>, row = ticket): ChangeEntry => ({ tbl: 'tickets', op: 'update', row, old });

describe('routeChange', () => {
  it('announces a new ticket to its requester, assignee and the staff room', () => {
    const [r] = routeChange({ tbl: 'tickets', op: 'insert', row: ticket, old: null });
    expect(r.rooms).toEqual([`ticket:${T}`, `user:${REQ}`, `user:${AGENT}`, STAFF_ROOM]);
    expect(r.others).toMatchObject({ type: 'ticket:created', ticketId: T, number: 42, subject: 'VPN' });
    expect(r.others).not.toHaveProperty('assigneeId');
    expect(r.staff).toMatchObject({ assigneeId: AGENT });
  });

  it('names the changed fields, hides internal ones from end users and ignores bookkeeping', () => {
    const [r] = routeChange(upd({ priority: 'low', tags: '{}', updated_at: 'x' }));
    expect(r.staff).toMatchObject({ type: 'ticket:updated', fields: ['priority', 'tags'], by: AGENT });
    expect(r.others).toMatchObject({ fields: ['priority'] });
    expect(routeChange(upd({ last_activity_at: 'x', updated_at: 'y' }))).toEqual([]);
    // A comment's touch (no edit stamp) names nobody rather than the last editor.
    expect(routeChange(upd({ first_response_at: null }))[0].staff).toMatchObject({ fields: ['first_response_at'], by: null });
    const [onlyInternal] = routeChange(upd({ tags: '{}' }));
    expect(onlyInternal.others).toBeNull();
  });

  it('announces an assignment to staff only, including the previous assignee', () => {
    const rs = routeChange(upd({ assignee_id: AGENT2 }));
    expect(rs.map((r) => r.staff?.type)).toEqual(['ticket:updated', 'ticket:assigned']);
    const assigned = rs[1];
    expect(assigned.others).toBeNull();
    expect(assigned.rooms).toContain(`user:${AGENT2}`);
    expect(assigned.staff).toMatchObject({ assigneeId: AGENT, previousAssigneeId: AGENT2 });
  });

  it('keeps internal comments from everyone without comments.internal and out of the requester room', () => {
    const row = { id: 'c1', ticket_id: T, requester_id: REQ, internal: 'true', author_id: AGENT, author_type: 'agent', body: 'secret' };
    const [r] = routeChange({ tbl: 'ticket_comments', op: 'insert', row, old: null });
    expect(r.rooms).toEqual([`ticket:${T}`]);
    expect(r.others).toBeNull();
    expect(r.staff).toMatchObject({ type: 'comment:added', internal: true });
    expect(JSON.stringify(r.staff)).not.toContain('secret');
    const [pub] = routeChange({ tbl: 'ticket_comments', op: 'insert', row: { ...row, internal: 'false' }, old: null });
    expect(pub.rooms).toEqual([`ticket:${T}`, `user:${REQ}`]);
    expect(pub.others).toMatchObject({ internal: false });
  });

  it('sends a notification to its user only', () => {
    const [r] = routeChange({ tbl: 'notifications', op: 'insert', row: { id: 'n1', user_id: REQ, type: 'comment.added', title: 'New reply', body: 'x'.repeat(1000), link: '/tickets/1', ticket_id: T }, old: null });
    expect(r.rooms).toEqual([`user:${REQ}`]);
    expect((r.others!.body as string).length).toBe(280);
    expect(routeChange({ tbl: 'notifications', op: 'update', row: { id: 'n1', user_id: REQ }, old: { read_at: null } })).toEqual([]);
  });

  it('ignores other tables and deletes', () => {
    expect(routeChange({ tbl: 'users', op: 'insert', row: { id: 'u' }, old: null })).toEqual([]);
    expect(routeChange({ tbl: 'tickets', op: 'delete', row: null, old: ticket })).toEqual([]);
  });
});

describe('collapsePresence', () => {
  it('lists each user once with their liveliest state, by name', () => {
    expect(
      collapsePresence([
        { userId: 'b', name: 'Bob', state: 'idle' },
        { userId: 'a', name: 'Alice', state: 'viewing' },
        { userId: 'b', name: 'Bob', state: 'typing' },
        { userId: 'a', name: 'Alice', state: 'idle' }
      ])
    ).toEqual([
      { userId: 'a', name: 'Alice', state: 'viewing' },
      { userId: 'b', name: 'Bob', state: 'typing' }
    ]);
  });
});
