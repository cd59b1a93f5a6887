// The write path (POST /api/sync/mutations) against the real built server on each database:
// mutations applied with their txids, exactly-once under retries and concurrent duplicates,
// conflicts (yours/theirs/base), permissions, bad input, device-time clamping. Database state is
// checked with SQL: on PostgreSQL at once over a second connection; on PGlite (one process owns
// the data directory) the same checks run after the server is stopped, in the last test.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, type RunningServer } from '../support/server';
import type { Backend } from '../support/backends';

const backends = inject('backends') as Backend[];
const PASSWORD = 'a long and unusual passphrase';
const DAY = 86_400_000;

type Row = Record<string, any>;
type Query = (text: string, params?: unknown[]) => Promise<Row[]>;
interface Mutation {
  id: string;
  name: string;
  args: unknown;
  clientTime: string;
}

/**
 * The txid (mod 2^32, as the API answers) of the last change-log entry of the row with alias `a`
 * in table `tbl`: the top-level transaction, as the shape stream carries it (a row's xmin is the
 * subtransaction's id when it was written inside a savepoint).
 */
const loggedTxid = (tbl: string, a: string) =>
  `(select (l.txid::text::bigint % 4294967296)::text from sync_change_log l where l.tbl = '${tbl}' and l.key = ${a}.id::text order by l.seq desc limit 1)`;

const mut = (name: string, args: unknown, clientTime = new Date().toISOString()): Mutation => ({ id: uuidv7(), name, args, clientTime });

/** One device's outbox: a client id and the signed-in client that flushes it. */
class Outbox {
  constructor(
    readonly client: Client,
    readonly clientId = uuidv7()
  ) {}
  async send(...mutations: Mutation[]) {
    const r = await this.client.post('/api/sync/mutations', { clientId: this.clientId, mutations });
    expect(r.status, r.text).toBe(200);
    expect(r.json.results.map((x: Row) => x.id)).toEqual(mutations.map((m) => m.id));
    return r.json.results as Row[];
  }
  async one(m: Mutation) {
    return (await this.send(m))[0];
  }
}

/** Applied; with the txid to wait for in the stream, or none when the mutation changed nothing. */
const applied = (r: Row, wrote = true) => {
  expect(r.status, JSON.stringify(r.error)).toBe('applied');
  if (wrote) expect(Number.isInteger(r.txid) && r.txid >= 0 && r.txid < 2 ** 32).toBe(true);
  else expect(r.txid).toBeUndefined();
  return r.result;
};
const rejected = (r: Row, code: string) => {
  expect(r.status, JSON.stringify(r.result)).toBe('rejected');
  expect(r.error.code).toBe(code);
  expect(r.txid).toBeUndefined();
  return r.error;
};
/** An outcome as a retry must see it again. */
const same = (r: Row) => ({ id: r.id, status: r.status, txid: r.txid, result: r.result, error: r.error });

describe.each(backends)('mutations on %s', (backend) => {
  let srv: RunningServer;
  let stopped = false;
  let pgc: pg.Client | undefined;
  const deferred: { name: string; fn: (q: Query) => Promise<void> }[] = [];
  const assetId = uuidv7();
  const users: Record<'agent' | 'agent2' | 'alice' | 'bob', { id: string; name: string; email: string; client: Client; box: Outbox }> = {} as never;

  /** SQL checks: now on PostgreSQL, after the server stops on PGlite. */
  const dbCheck = async (name: string, fn: (q: Query) => Promise<void>) => {
    if (pgc) {
      const c = pgc;
      await fn(async (text, params) => (await c.query(text, params as unknown[])).rows);
    } else deferred.push({ name, fn });
  };

  const withPglite = async (dataDir: string, fn: (q: Query) => Promise<void>) => {
    const { PGlite } = await import('@electric-sql/pglite');
    const { vector } = await import('@electric-sql/pglite-pgvector');
    const db = await PGlite.create({ dataDir: path.join(dataDir, 'db'), extensions: { vector } });
    try {
      await fn(async (text, params) => (await db.query<Row>(text, params as unknown[])).rows);
    } finally {
      await db.close();
    }
  };

  const seedAsset = async (q: Query) => {
    await q(`insert into assets (id, asset_tag, name, type, status, location) values ($1, 'LT-0001', 'Laptop 1', 'hardware', 'in_stock', 'Store room')`, [assetId]);
  };

  beforeAll(async () => {
    srv = await startServer(backend);
    if (backend === 'postgres') {
      pgc = new pg.Client({ connectionString: srv.databaseUrl });
      await pgc.connect();
      await seedAsset(async (t, p) => (await pgc!.query(t, p as unknown[])).rows);
    } else {
      // No API creates assets yet: seed one straight into the embedded database, then restart.
      await srv.stop({ keepData: true });
      await withPglite(srv.dataDir, seedAsset);
      srv = await startServer(backend, {}, { dataDir: srv.dataDir });
    }
    const admin = new Client(srv.url);
    await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const roles = { agent: 'agent', agent2: 'agent', alice: 'end_user', bob: 'end_user' } as const;
    for (const [key, role] of Object.entries(roles) as [keyof typeof roles, string][]) {
      const email = `${key}-${Math.random().toString(36).slice(2, 8)}@example.test`;
      const name = `${key[0].toUpperCase()}${key.slice(1)} Tester`;
      const r = await admin.post('/api/v1/admin/users', { email, name, roles: [role], password: PASSWORD });
      expect(r.status, r.text).toBe(201);
      const client = new Client(srv.url);
      await client.login(email, PASSWORD);
      users[key] = { id: r.json.user.id, name, email, client, box: new Outbox(client) };
    }
  });

  afterAll(async () => {
    await pgc?.end().catch(() => {});
    if (!stopped) await srv?.stop();
    if (srv?.dataDir) fs.rmSync(srv.dataDir, { recursive: true, force: true });
  });

  const newTicket = async (box: Outbox, args: Row = {}) => {
    const id = uuidv7();
    const r = applied(await box.one(mut('ticket.create', { id, subject: 'Laptop will not charge', priority: 'medium', ...args })));
    return { id, number: r.number as number };
  };

  it('applies create, update, assign, status and comment mutations; a batch commits as one transaction whose txid they share', async () => {
    const { agent, agent2, alice } = users;
    const id = uuidv7();
    const create = await alice.box.one(mut('ticket.create', { id, subject: 'VPN drops every hour', description: 'Since Monday', priority: 'high' }));
    expect(applied(create)).toMatchObject({ id, status: 'new', priority: 'high', requester_id: alice.id });
    expect(create.result.number).toBeGreaterThan(0);

    const [c1, c2] = [uuidv7(), uuidv7()];
    const ms = [
      mut('ticket.update', { id, set: { priority: 'critical', tags: ['VPN'] }, base: { priority: 'high', tags: [] } }),
      mut('ticket.assign', { id, set: { assignee_id: agent2.id }, base: { assignee_id: null } }),
      mut('ticket.setStatus', { id, status: 'in_progress', base_status: 'new' }),
      mut('comment.add', { id: c1, ticket_id: id, body: 'Looking into it' }),
      mut('comment.add', { id: c2, ticket_id: id, body: 'Gateway logs show DPD timeouts', internal: true })
    ];
    const rs = await agent.box.send(...ms);
    expect(applied(rs[0])).toEqual({ id, changed: ['priority', 'tags'] });
    expect(applied(rs[1])).toEqual({ id, changed: ['assignee_id'] });
    expect(applied(rs[2])).toEqual({ id, status: 'in_progress', from: 'new', changed: true });
    expect(applied(rs[3])).toEqual({ id: c1, ticket_id: id, internal: false });
    expect(applied(rs[4])).toEqual({ id: c2, ticket_id: id, internal: true });
    // One group transaction for the batch: one txid, not the create's (an earlier request).
    expect(new Set(rs.map((r) => r.txid))).toEqual(new Set([rs[0].txid]));
    expect(rs[0].txid).not.toBe(create.txid);

    // The state is there: a mutation from someone who saw the old values now conflicts with the new ones.
    const stale = await agent2.box.one(mut('ticket.update', { id, set: { priority: 'low' }, base: { priority: 'high' } }));
    expect(rejected(stale, 'conflict').fields).toEqual([expect.objectContaining({ field: 'priority', yours: 'low', theirs: 'critical', base: 'high' })]);
    const staleStatus = await agent2.box.one(mut('ticket.setStatus', { id, status: 'in_progress', base_status: 'new' }));
    expect(applied(staleStatus, false)).toEqual({ id, status: 'in_progress', changed: false });

    await dbCheck('full lifecycle', async (q) => {
      const [t] = await q(`select priority, tags::text, assignee_id::text, status, ${loggedTxid('tickets', 't')} as txid, client_created_at is not null as has_device_time from tickets t where id = $1`, [id]);
      expect(t).toEqual({ priority: 'critical', tags: '{vpn}', assignee_id: agent2.id, status: 'in_progress', txid: String(rs[4].txid), has_device_time: true });
      const comments = await q(`select id::text, requester_id::text, internal, author_type, ${loggedTxid('ticket_comments', 'c')} as txid from ticket_comments c where ticket_id = $1 order by created_at, id`, [id]);
      expect(comments).toEqual([
        { id: c1, requester_id: alice.id, internal: false, author_type: 'agent', txid: String(rs[3].txid) },
        { id: c2, requester_id: alice.id, internal: true, author_type: 'agent', txid: String(rs[4].txid) }
      ]);
      const history = await q(
        `select action, field, source, mutation_id::text as m, internal from ticket_history where ticket_id = $1 order by created_at, action, field`,
        [id]
      );
      expect(history.every((h) => h.source === 'sync')).toBe(true);
      expect(history.map((h) => `${h.action}:${h.field ?? ''}`).sort()).toEqual(
        ['created:', 'updated:priority', 'updated:tags', 'assigned:assignee_id', 'status_changed:status', 'commented:', 'commented:'].sort()
      );
      expect(history.find((h) => h.action === 'assigned')).toMatchObject({ m: ms[1].id, internal: true });
      const audit = await q(`select action from audit_logs where entity_id = $1 and source = 'sync' order by occurred_at`, [id]);
      expect(audit.map((a) => a.action)).toEqual(['ticket.create', 'ticket.update', 'ticket.assign', 'ticket.status']);
      const ledger = await q(`select mutation_id::text as m, status, txid::int as txid from sync_mutations where client_id = $1 and mutation_id = any($2::uuid[])`, [
        agent.box.clientId,
        ms.map((m) => m.id)
      ]);
      expect(new Map(ledger.map((l) => [l.m, l.txid]))).toEqual(new Map(ms.map((m, i) => [m.id, rs[i].txid])));
      const notes = await q(`select user_id::text as u, type from notifications where ticket_id = $1 order by created_at, type`, [id]);
      expect(notes).toEqual(
        expect.arrayContaining([
          { u: agent2.id, type: 'ticket.assigned' },
          { u: alice.id, type: 'comment.added' },
          { u: agent2.id, type: 'comment.added' }
        ])
      );
      expect(notes.filter((n) => n.u === alice.id)).toHaveLength(1); // the internal note did not notify the requester
    });
  });

  it('asset.update merges field by field and rejects a stale edit with yours/theirs/base', async () => {
    const { agent, agent2, alice } = users;
    const r = await agent.box.one(
      mut('asset.update', { id: assetId, set: { status: 'deployed', assigned_to_id: alice.id, location: 'Desk 4.12' }, base: { status: 'in_stock', assigned_to_id: null, location: 'Store room' } })
    );
    expect(applied(r)).toEqual({ id: assetId, changed: ['status', 'location', 'assigned_to_id'] });
    const stale = await agent2.box.one(mut('asset.update', { id: assetId, set: { location: 'Desk 9', notes: 'Dent on lid' }, base: { location: 'Store room', notes: null } }));
    const err = rejected(stale, 'conflict');
    expect(err.fields).toEqual([{ field: 'location', message: expect.any(String), yours: 'Desk 9', theirs: 'Desk 4.12', base: 'Store room' }]);
    expect(err.reason).toMatch(/LT-0001/);
    expect(applied(await agent2.box.one(mut('asset.update', { id: assetId, set: { notes: 'Charger missing' }, base: { notes: null } })))).toEqual({ id: assetId, changed: ['notes'] });
    rejected(await alice.box.one(mut('asset.update', { id: assetId, set: { notes: 'mine' }, base: { notes: 'Charger missing' } })), 'not_found');

    await dbCheck('asset', async (q) => {
      const [a] = await q(`select status, assigned_to_id::text, assigned_at is not null as assigned, location, notes, client_updated_at is not null as dev from assets where id = $1`, [assetId]);
      expect(a).toEqual({ status: 'deployed', assigned_to_id: alice.id, assigned: true, location: 'Desk 4.12', notes: 'Charger missing', dev: true });
      expect(await q(`select count(*)::int as n from audit_logs where entity_id = $1 and action = 'asset.update' and source = 'sync'`, [assetId])).toEqual([{ n: 2 }]);
    });
  });

  it('notification.markRead marks only my own notifications, once', async () => {
    const { agent, agent2, alice } = users;
    const t = await newTicket(agent.box);
    applied(await agent.box.one(mut('ticket.assign', { id: t.id, set: { assignee_id: agent2.id }, base: { assignee_id: null } })));
    const m = mut('notification.markRead', { all: true });
    const first = applied(await agent2.box.one(m));
    expect(first.marked).toBeGreaterThanOrEqual(1);
    const again = await agent2.box.one(m);
    expect(again).toMatchObject({ status: 'applied', result: first, replayed: true });
    expect(applied(await alice.box.one(mut('notification.markRead', { ids: first.ids })), false)).toEqual({ marked: 0, ids: [] });
    expect(applied(await agent2.box.one(mut('notification.markRead', { all: true })), false)).toEqual({ marked: 0, ids: [] });
    await dbCheck('notifications read', async (q) => {
      const rows = await q(`select user_id::text as u, read_at is not null as read from notifications where id = any($1::uuid[])`, [first.ids]);
      expect(rows).toHaveLength(first.marked);
      expect(rows.every((r) => r.u === agent2.id && r.read)).toBe(true);
    });
  });

  it('is exactly once: the same batch sent twice has one effect and the same answer', async () => {
    const { agent, alice } = users;
    const id = uuidv7();
    const cid = uuidv7();
    const batch = [
      mut('ticket.create', { id, subject: 'Monitor flickers', requester_id: alice.id }),
      mut('comment.add', { id: cid, ticket_id: id, body: 'Swapped the cable' }),
      mut('ticket.update', { id, set: { subject: 'Monitor flickers after cable swap' }, base: { subject: 'Monitor flickers' } })
    ];
    const first = await agent.box.send(...batch);
    first.forEach((r) => applied(r));
    const second = await agent.box.send(...batch);
    expect(second.map(same)).toEqual(first.map(same));
    expect(second.every((r) => r.replayed === true)).toBe(true);
    await dbCheck('batch twice', async (q) => {
      expect(await q(`select count(*)::int as n from tickets where id = $1`, [id])).toEqual([{ n: 1 }]);
      expect(await q(`select count(*)::int as n from ticket_comments where ticket_id = $1`, [id])).toEqual([{ n: 1 }]);
      expect(await q(`select count(*)::int as n from ticket_history where ticket_id = $1`, [id])).toEqual([{ n: 3 }]);
      expect(await q(`select count(*)::int as n from sync_mutations where mutation_id = any($1::uuid[])`, [batch.map((m) => m.id)])).toEqual([{ n: 3 }]);
    });
  });

  it('is exactly once under 5 concurrent deliveries of the same batch', async () => {
    const { agent } = users;
    const t = await newTicket(agent.box);
    const batch = [
      mut('comment.add', { id: uuidv7(), ticket_id: t.id, body: 'one' }),
      mut('comment.add', { id: uuidv7(), ticket_id: t.id, body: 'two' }),
      mut('ticket.update', { id: t.id, set: { priority: 'low', tags: ['dup'] }, base: { priority: 'medium', tags: [] } }),
      mut('comment.add', { id: uuidv7(), ticket_id: t.id, body: 'three', internal: true }),
      mut('ticket.setStatus', { id: t.id, status: 'in_progress', base_status: 'new' })
    ];
    const responses = await Promise.all(Array.from({ length: 5 }, () => agent.box.send(...batch)));
    for (let i = 0; i < batch.length; i++) {
      const outcomes = responses.map((r) => r[i]);
      for (const o of outcomes) applied(o);
      expect(new Set(outcomes.map((o) => o.txid)).size).toBe(1);
      expect(outcomes.filter((o) => !o.replayed)).toHaveLength(1);
    }
    await dbCheck('5 concurrent', async (q) => {
      expect(await q(`select count(*)::int as n from ticket_comments where ticket_id = $1`, [t.id])).toEqual([{ n: 3 }]);
      const h = await q(`select action, count(*)::int as n from ticket_history where ticket_id = $1 group by action order by action`, [t.id]);
      expect(h).toEqual([
        { action: 'commented', n: 3 },
        { action: 'created', n: 1 },
        { action: 'status_changed', n: 1 },
        { action: 'updated', n: 2 }
      ]);
      expect(await q(`select priority, tags::text, status from tickets where id = $1`, [t.id])).toEqual([{ priority: 'low', tags: '{dup}', status: 'in_progress' }]);
      expect(await q(`select count(*)::int as n from audit_logs where entity_id = $1 and action = 'ticket.update'`, [t.id])).toEqual([{ n: 1 }]);
    });
  });

  it('refuses a mutation id reused by another user', async () => {
    const { agent, alice } = users;
    const t = await newTicket(alice.box);
    const m = mut('comment.add', { id: uuidv7(), ticket_id: t.id, body: 'From the agent' });
    const mine = await agent.box.one(m);
    applied(mine);
    const theirs = await new Outbox(alice.client, agent.box.clientId).one(m);
    expect(rejected(theirs, 'forbidden').fields).toEqual([{ field: 'id', message: expect.any(String) }]);
    expect(same(await agent.box.one(m))).toEqual(same(mine));
  });

  it('merges non-overlapping edits and rejects a stale field with yours, theirs and base', async () => {
    const { agent, agent2 } = users;
    const subject = 'Printer on 3rd floor jams';
    const t = await newTicket(agent.box, { subject });
    applied(await agent.box.one(mut('ticket.update', { id: t.id, set: { subject: 'Printer 3F jams on tray 2' }, base: { subject } })));
    // agent2 saw the old ticket: their priority edit does not touch the subject, so it merges.
    expect(applied(await agent2.box.one(mut('ticket.update', { id: t.id, set: { priority: 'high' }, base: { priority: 'medium' } })))).toEqual({ id: t.id, changed: ['priority'] });
    // Their subject edit does: the whole mutation is rejected, nothing of it applied, both values returned.
    const err = rejected(await agent2.box.one(mut('ticket.update', { id: t.id, set: { subject: 'Mine', description: 'Tray 2 only' }, base: { subject, description: null } })), 'conflict');
    expect(err.fields).toEqual([{ field: 'subject', message: expect.any(String), yours: 'Mine', theirs: 'Printer 3F jams on tray 2', base: subject }]);
    expect(err.choices).toEqual(['keep_theirs', 'apply_mine']);
    expect(err.reason).toMatch(new RegExp(`subject on ticket #${t.number}`));
    // Tags are a set: concurrent additions from both merge.
    applied(await agent.box.one(mut('ticket.update', { id: t.id, set: { tags: ['hw'] }, base: { tags: [] } })));
    applied(await agent2.box.one(mut('ticket.update', { id: t.id, set: { tags: ['urgent'] }, base: { tags: [] } })));
    // "Keep mine": resend with the value now seen as base.
    applied(await agent2.box.one(mut('ticket.update', { id: t.id, set: { description: 'Tray 2 only' }, base: { description: null } })));
    const probe = await agent.box.one(mut('ticket.update', { id: t.id, set: { priority: 'low', subject: 'x' }, base: { priority: 'medium', subject } }));
    expect(rejected(probe, 'conflict').fields.map((f: Row) => [f.field, f.theirs])).toEqual([
      ['subject', 'Printer 3F jams on tray 2'],
      ['priority', 'high']
    ]);
    await dbCheck('merged edits', async (q) => {
      expect(await q(`select subject, priority, description, array_to_string(array(select unnest(tags) order by 1), ',') as tags from tickets where id = $1`, [t.id])).toEqual([
        { subject: 'Printer 3F jams on tray 2', priority: 'high', description: 'Tray 2 only', tags: 'hw,urgent' }
      ]);
    });
  });

  it('rejects a status changed underneath, a move the workflow forbids, and writes to a ticket closed by someone else', async () => {
    const { agent, agent2, alice } = users;
    const t = await newTicket(alice.box);
    const set = (box: Outbox, status: string, base_status: string, extra: Row = {}) => box.one(mut('ticket.setStatus', { id: t.id, status, base_status, ...extra }));

    const invalid = rejected(await set(agent.box, 'closed', 'new'), 'validation');
    expect(invalid.fields).toEqual([{ field: 'status', message: 'A ticket cannot go from New to Closed' }]);
    applied(await set(agent.box, 'in_progress', 'new'));
    applied(await set(agent.box, 'waiting', 'in_progress', { waiting_reason: 'customer' }));
    const underneath = rejected(await set(agent2.box, 'resolved', 'in_progress'), 'conflict');
    expect(underneath.fields).toEqual([{ field: 'status', message: expect.any(String), yours: 'resolved', theirs: 'waiting', base: 'in_progress' }]);
    applied(await set(agent.box, 'in_progress', 'waiting'));
    applied(await set(agent.box, 'resolved', 'in_progress', { resolution_code: 'workaround' }));
    applied(await set(agent.box, 'closed', 'resolved'));

    // Written offline before the close:
    const lateComment = mut('comment.add', { id: uuidv7(), ticket_id: t.id, body: 'It happened again this morning' });
    const closed = rejected(await alice.box.one(lateComment), 'conflict');
    expect(closed.reason).toMatch(new RegExp(`closed by ${agent.name}`));
    expect(closed.choices).toEqual(['follow_up', 'discard']);
    expect(closed.closedBy).toEqual({ id: agent.id, name: agent.name });
    const edit = rejected(await agent2.box.one(mut('ticket.update', { id: t.id, set: { priority: 'high' }, base: { priority: 'medium' } })), 'conflict');
    expect(edit.choices).toEqual(['reopen', 'follow_up', 'discard']);
    // Closed is final for the requester; an agent reopens.
    expect(rejected(await set(alice.box, 'in_progress', 'closed'), 'forbidden').fields[0].message).toMatch(/Only the service desk/);
    expect(applied(await set(agent2.box, 'in_progress', 'closed'))).toEqual({ id: t.id, status: 'in_progress', from: 'closed', changed: true });
    // The rejected comment stays rejected on retry (its outcome is recorded); sent again as a new mutation it applies.
    expect(same(await alice.box.one(lateComment))).toEqual({ id: lateComment.id, status: 'rejected', txid: undefined, result: undefined, error: closed });
    applied(await alice.box.one(mut('comment.add', { id: uuidv7(), ticket_id: t.id, body: 'It happened again this morning' })));

    await dbCheck('status workflow', async (q) => {
      const [row] = await q(
        `select status, reopen_count, reopened_at is not null as reopened, resolved_at, closed_at, resolution_code, last_requester_reply_at is not null as replied from tickets where id = $1`,
        [t.id]
      );
      expect(row).toEqual({ status: 'in_progress', reopen_count: 1, reopened: true, resolved_at: null, closed_at: null, resolution_code: null, replied: true });
      const h = await q(`select action, new_value #>> '{}' as v from ticket_history where ticket_id = $1 and field = 'status' order by created_at`, [t.id]);
      expect(h.map((x) => `${x.action}:${x.v}`)).toEqual([
        'status_changed:in_progress',
        'status_changed:waiting',
        'status_changed:in_progress',
        'status_changed:resolved',
        'status_changed:closed',
        'reopened:in_progress'
      ]);
      expect(await q(`select count(*)::int as n from ticket_comments where ticket_id = $1`, [t.id])).toEqual([{ n: 1 }]);
    });
  });

  it('enforces permissions: end users only on their own tickets and never internal; agents may', async () => {
    const { agent, alice, bob } = users;
    const bobs = await newTicket(bob.box, { subject: 'Bob cannot print' });
    const alices = await newTicket(alice.box);
    const upd = (id: string) => mut('ticket.update', { id, set: { priority: 'critical' }, base: { priority: 'medium' } });
    expect(rejected(await alice.box.one(upd(bobs.id)), 'not_found').fields).toEqual([{ field: 'id', message: 'no such ticket' }]);
    rejected(await alice.box.one(upd(alices.id)), 'forbidden');
    const internal = rejected(await alice.box.one(mut('comment.add', { id: uuidv7(), ticket_id: alices.id, body: 'psst', internal: true })), 'forbidden');
    expect(internal.fields).toEqual([{ field: 'internal', message: expect.any(String) }]);
    rejected(await alice.box.one(mut('comment.add', { id: uuidv7(), ticket_id: bobs.id, body: 'me too' })), 'not_found');
    rejected(await alice.box.one(mut('ticket.assign', { id: alices.id, set: { assignee_id: agent.id }, base: { assignee_id: null } })), 'forbidden');
    expect(rejected(await alice.box.one(mut('ticket.create', { id: uuidv7(), subject: 'For Bob', requester_id: bob.id })), 'forbidden').fields[0].field).toBe('requester_id');
    applied(await alice.box.one(mut('comment.add', { id: uuidv7(), ticket_id: alices.id, body: 'Any news?' })));

    // Agents may, also through a Bearer token instead of the cookie session.
    const login = await new Client(srv.url).login(agent.email, PASSWORD);
    const api = new Outbox(new Client(srv.url, { bearer: login.json.accessToken, origin: null }));
    applied(await api.one(upd(bobs.id)));
    applied(await api.one(mut('comment.add', { id: uuidv7(), ticket_id: bobs.id, body: 'Driver reinstalled', internal: true })));

    const anon = await new Client(srv.url).post('/api/sync/mutations', { clientId: uuidv7(), mutations: [upd(bobs.id)] });
    expect(anon.status).toBe(401);
    await dbCheck('permissions', async (q) => {
      expect(await q(`select priority from tickets where id = $1`, [bobs.id])).toEqual([{ priority: 'critical' }]);
      expect(await q(`select priority from tickets where id = $1`, [alices.id])).toEqual([{ priority: 'medium' }]);
      expect(await q(`select author_id::text as a, internal from ticket_comments where ticket_id = $1`, [bobs.id])).toEqual([{ a: agent.id, internal: true }]);
      expect(await q(`select internal from ticket_comments where ticket_id = $1`, [alices.id])).toEqual([{ internal: false }]);
    });
  });

  it('answers a malformed envelope with 400 naming the field; a bad mutation is rejected on its own and the rest runs', async () => {
    const { agent } = users;
    const c = agent.client;
    const good = mut('comment.add', { id: uuidv7(), ticket_id: uuidv7(), body: 'x' });
    const fieldsOf = (r: Row) => r.json.error.fields.map((f: Row) => f.field);
    const noClient = await c.post('/api/sync/mutations', { mutations: [good] });
    expect(noClient.status).toBe(400);
    expect(fieldsOf(noClient)).toEqual(['clientId']);
    const badId = await c.post('/api/sync/mutations', { clientId: uuidv7(), mutations: [{ ...good, id: 'nope' }] });
    expect(badId.status).toBe(400);
    expect(fieldsOf(badId)).toEqual(['mutations.0.id']);
    const badTime = await c.post('/api/sync/mutations', { clientId: uuidv7(), mutations: [{ ...good, clientTime: 'yesterday' }] });
    expect(fieldsOf(badTime)).toEqual(['mutations.0.clientTime']);
    const tooMany = await c.post('/api/sync/mutations', { clientId: uuidv7(), mutations: Array.from({ length: 501 }, () => good) });
    expect(fieldsOf(tooMany)).toEqual(['mutations']);
    expect((await c.post('/api/sync/mutations', '{"clientId":')).json.error.code).toBe('invalid_json');

    const t = await newTicket(agent.box);
    const batch = [
      mut('ticket.frobnicate', {}),
      mut('ticket.update', { id: t.id, set: { priority: 'urgent' }, base: { priority: 'medium' } }),
      mut('ticket.update', { id: t.id, set: { subject: 'x' } }),
      // Text PostgreSQL cannot store: the database refuses it, the mutation is rejected (not a 500).
      mut('comment.add', { id: uuidv7(), ticket_id: t.id, body: 'nul \u0000 byte' }),
      mut('comment.add', { id: uuidv7(), ticket_id: t.id, body: 'still runs' })
    ];
    const rs = await agent.box.send(...batch);
    expect(rejected(rs[0], 'validation').fields).toEqual([{ field: 'name', message: 'is not a known mutation' }]);
    expect(rejected(rs[1], 'validation').fields.map((f: Row) => f.field)).toEqual(['args.set.priority']);
    expect(rejected(rs[2], 'validation').fields.map((f: Row) => f.field)).toEqual(['args.base']);
    rejected(rs[3], 'validation');
    applied(rs[4]);
    expect((await agent.box.send(...batch)).map(same)).toEqual(rs.map(same));
  });

  it('commits a long batch in groups of 32; a rejection inside a group undoes only its own writes', async () => {
    const { agent } = users;
    const t = await newTicket(agent.box);
    const comments = Array.from({ length: 40 }, (_, i) => mut('comment.add', { id: uuidv7(), ticket_id: t.id, body: `step ${i}` }));
    // The comment touches the ticket and inserts its row before the unknown attachment is refused:
    // both writes must vanish with its savepoint, and the group goes on.
    comments[10] = mut('comment.add', { id: uuidv7(), ticket_id: t.id, body: 'with a file nobody uploaded', attachments: [uuidv7()] });
    const rs = await agent.box.send(...comments);
    expect(rejected(rs[10], 'validation').fields.map((f: Row) => f.field)).toEqual(['attachments.0']);
    rs.forEach((r, i) => i !== 10 && applied(r));
    const first = rs.slice(0, 32).filter((_, i) => i !== 10).map((r) => r.txid);
    const second = rs.slice(32).map((r) => r.txid);
    expect(new Set(first).size).toBe(1);
    expect(new Set(second).size).toBe(1);
    expect(second[0]).not.toBe(first[0]);
    expect((await agent.box.send(...comments)).map(same)).toEqual(rs.map(same));
    await dbCheck('group commit', async (q) => {
      const rows = await q(`select id::text, ${loggedTxid('ticket_comments', 'c')} as txid from ticket_comments c where ticket_id = $1`, [t.id]);
      expect(rows).toHaveLength(39);
      expect(rows.some((r) => r.id === (comments[10].args as Row).id)).toBe(false);
      expect(new Set(rows.map((r) => r.txid))).toEqual(new Set([String(first[0]), String(second[0])]));
      expect(await q(`select 1 from ticket_history where mutation_id = $1`, [comments[10].id])).toEqual([]);
      const ledger = await q(`select status, txid from sync_mutations where client_id = $1 and mutation_id = $2`, [agent.box.clientId, comments[10].id]);
      expect(ledger).toEqual([{ status: 'rejected', txid: null }]);
    });
  });

  it('records the device time clamped into [now − 7 days, now] next to the time the client sent', async () => {
    const { agent } = users;
    const id = uuidv7();
    const old = new Date(Date.now() - 30 * DAY).toISOString();
    const future = new Date(Date.now() + 2 * DAY).toISOString();
    const recent = new Date(Date.now() - 2 * 3600_000).toISOString();
    const ms = [
      mut('ticket.create', { id, subject: 'Offline for a month' }, old),
      mut('comment.add', { id: uuidv7(), ticket_id: id, body: 'clock ahead' }, future),
      mut('ticket.update', { id, set: { priority: 'low' }, base: { priority: 'medium' } }, recent)
    ];
    (await agent.box.send(...ms)).forEach((r) => applied(r));
    await dbCheck('clamping', async (q) => {
      const rows = await q(
        `select m.client_time, m.device_time, m.created_at, h.device_time as history_time
           from sync_mutations m join ticket_history h on h.mutation_id = m.mutation_id
          where m.mutation_id = any($1::uuid[])`,
        [ms.map((m) => m.id)]
      );
      const by = (iso: string) => rows.find((r) => new Date(r.client_time).toISOString() === iso)!;
      const [c, f, u] = [by(old), by(future), by(recent)];
      for (const r of rows) expect(new Date(r.history_time).getTime()).toBe(new Date(r.device_time).getTime());
      expect(Math.abs(new Date(c.device_time).getTime() - (new Date(c.created_at).getTime() - 7 * DAY))).toBeLessThan(60_000);
      expect(Math.abs(new Date(f.device_time).getTime() - new Date(f.created_at).getTime())).toBeLessThan(60_000);
      expect(new Date(f.device_time).getTime()).toBeLessThan(new Date(future).getTime() - DAY);
      expect(new Date(u.device_time).toISOString()).toBe(recent);
      const [t] = await q(`select client_created_at, client_updated_at from tickets where id = $1`, [id]);
      expect(new Date(t.client_created_at).getTime()).toBe(new Date(c.device_time).getTime());
      expect(new Date(t.client_updated_at).toISOString()).toBe(recent);
    });
  });

  it('leaves the database in the state the checks expect', async () => {
    if (backend !== 'pglite') return; // PostgreSQL was checked along the way
    await srv.stop({ keepData: true });
    stopped = true;
    await withPglite(srv.dataDir, async (q) => {
      for (const d of deferred) {
        try {
          await d.fn(q);
        } catch (e) {
          (e as Error).message = `[${d.name}] ${(e as Error).message}`;
          throw e;
        }
      }
    });
    expect(deferred.length).toBeGreaterThanOrEqual(10);
  });
});
