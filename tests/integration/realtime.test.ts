// Real time over `/ws` (ARCHITECTURE §6) on the real built server, both databases, with `ws`
// clients holding Bearer tokens: ticket events reach the ticket's watchers and its requester; an
// end user never receives another user's ticket events nor any internal note; watching a ticket
// one may not read is refused; presence reaches the other watchers and goes away with the socket;
// a rolled-back transaction emits nothing; a revoked session's socket is closed when it next asks to
// watch; the sync engine's `?events=0` socket gets no events; the browser client (realtime.svelte.ts)
// reconnects and watches again after a server restart; on PostgreSQL, two app instances on one
// database share presence through LISTEN/NOTIFY (also after their LISTEN connections are killed)
// and both deliver events.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { uuidv7 } from 'uuidv7';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, type RunningServer } from '../support/server';
import { RealtimeClient, type RealtimeSocket } from '../../src/lib/client/realtime.svelte';
import type { Backend } from '../support/backends';

const backends = inject('backends') as Backend[];
const PASSWORD = 'a long and unusual passphrase for real time';

type Msg = Record<string, any>;

/** A `ws` client that records every message and can wait for one. */
class Sock {
  readonly messages: Msg[] = [];
  readonly ws: WebSocket;
  #waiters: { pred: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  constructor(base: string, token: string, query = '') {
    this.ws = new WebSocket(base.replace(/^http/, 'ws') + '/ws' + query, { headers: { authorization: `Bearer ${token}` } });
    this.ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      this.messages.push(m);
      for (const w of [...this.#waiters]) {
        if (w.pred(m)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
  }
  static async open(base: string, token: string, query = '') {
    const s = new Sock(base, token, query);
    await new Promise((res, rej) => {
      s.ws.once('open', res);
      s.ws.once('error', rej);
    });
    await s.next((m) => m.type === 'hello');
    return s;
  }
  send(m: unknown) {
    this.ws.send(JSON.stringify(m));
  }
  /** The first message (already received or coming) that matches. */
  next(pred: (m: Msg) => boolean, timeoutMs = 10_000, what = 'message'): Promise<Msg> {
    const seen = this.messages.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.slice(-8))}`)), timeoutMs);
      this.#waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(t);
          resolve(m);
        }
      });
    });
  }
  /** Waits for a message that arrives after now. */
  after(pred: (m: Msg) => boolean, timeoutMs?: number, what?: string) {
    const from = this.messages.length;
    return this.next((m) => this.messages.indexOf(m) >= from && pred(m), timeoutMs, what);
  }
  async watch(ticketId: string) {
    this.send({ type: 'ticket.watch', ticketId });
    return this.after((m) => (m.type === 'ticket.watching' || m.type === 'error') && m.ticketId === ticketId, 10_000, `watch ${ticketId}`);
  }
  about(ticketId: string) {
    return this.messages.filter((m) => m.ticketId === ticketId);
  }
  close() {
    this.ws.close();
  }
}

const mutation = (name: string, args: unknown) => ({ id: uuidv7(), name, args, clientTime: new Date().toISOString() });

async function mutate(c: Client, name: string, args: unknown) {
  const r = await c.post('/api/sync/mutations', { clientId: uuidv7(), mutations: [mutation(name, args)] });
  expect(r.status, r.text).toBe(200);
  return r.json.results[0];
}

describe.each(backends)('real time on %s', (backend) => {
  let srv: RunningServer;
  let admin: Client;
  let adminToken = '';
  let adminId = '';
  const users: Record<'alice' | 'bob', { id: string; token: string; client: Client }> = {} as never;
  const socks: Sock[] = [];
  const open = async (token: string, base = srv.url) => {
    const s = await Sock.open(base, token);
    socks.push(s);
    return s;
  };

  beforeAll(async () => {
    srv = await startServer(backend);
    admin = new Client(srv.url);
    const r = await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    adminToken = r.json.accessToken;
    adminId = r.json.user.id;
    admin = new Client(srv.url, { bearer: adminToken });
    for (const who of ['alice', 'bob'] as const) {
      const email = `${who}-${Math.random().toString(36).slice(2, 8)}@example.test`;
      const u = await admin.post('/api/v1/admin/users', { email, name: who === 'alice' ? 'Alice' : 'Bob', roles: ['end_user'], password: PASSWORD });
      expect(u.status, u.text).toBe(201);
      const l = await new Client(srv.url).login(email, PASSWORD);
      users[who] = { id: u.json.user.id, token: l.json.accessToken, client: new Client(srv.url, { bearer: l.json.accessToken }) };
    }
  });
  afterAll(async () => {
    for (const s of socks) s.close();
    await srv?.stop();
  });

  it('delivers ticket events to the watchers and the requester, and never to another end user', async () => {
    const staff = await open(adminToken);
    const alice = await open(users.alice.token);
    const bob = await open(users.bob.token);
    const id = uuidv7();
    expect((await mutate(users.alice.client, 'ticket.create', { id, subject: 'Laptop will not boot' })).status).toBe('applied');
    // New tickets: the requester's own room and the staff room.
    const created = await staff.next((m) => m.type === 'ticket:created' && m.ticketId === id, 10_000, 'ticket:created (staff)');
    expect(created).toMatchObject({ subject: 'Laptop will not boot', requesterId: users.alice.id, status: 'new' });
    await alice.next((m) => m.type === 'ticket:created' && m.ticketId === id, 10_000, 'ticket:created (requester)');

    expect(await staff.watch(id)).toMatchObject({ type: 'ticket.watching', ticketId: id });

    // A public reply: watchers and requester get comment:added, the requester a notification too.
    const cid = uuidv7();
    expect((await mutate(admin, 'comment.add', { id: cid, ticket_id: id, body: 'Have you tried turning it on?' })).status).toBe('applied');
    expect(await staff.next((m) => m.type === 'comment:added' && m.commentId === cid)).toMatchObject({ ticketId: id, internal: false, authorId: adminId });
    expect(await alice.next((m) => m.type === 'comment:added' && m.commentId === cid)).toMatchObject({ ticketId: id, internal: false });
    expect(await alice.next((m) => m.type === 'notification:new' && m.ticketId === id)).toMatchObject({ kind: 'comment.added', link: `/tickets/${id}` });

    // A field edit: ticket:updated naming the fields.
    expect((await mutate(admin, 'ticket.update', { id, set: { priority: 'high' }, base: { priority: 'medium' } })).status).toBe('applied');
    expect(await staff.next((m) => m.type === 'ticket:updated' && m.ticketId === id && m.fields.includes('priority'))).toMatchObject({ by: adminId });
    await alice.next((m) => m.type === 'ticket:updated' && m.ticketId === id && m.fields.includes('priority'), 10_000, 'priority change (requester)');

    // Assignment: ticket:assigned for staff; the requester sees the assignment only through shapes.
    expect((await mutate(admin, 'ticket.assign', { id, set: { assignee_id: adminId, team_id: null }, base: { assignee_id: null, team_id: null } })).status).toBe('applied');
    expect(await staff.next((m) => m.type === 'ticket:assigned' && m.ticketId === id)).toMatchObject({ assigneeId: adminId, previousAssigneeId: null });
    // Sentinel: a later public change reaches Alice, so anything before it would have arrived.
    expect((await mutate(admin, 'ticket.update', { id, set: { subject: 'Laptop will not boot (sentinel)' }, base: { subject: 'Laptop will not boot' } })).status).toBe('applied');
    await alice.next((m) => m.type === 'ticket:updated' && m.ticketId === id && m.fields.includes('subject'), 10_000, 'sentinel');
    expect(alice.about(id).filter((m) => m.type === 'ticket:assigned')).toEqual([]);
    for (const m of alice.about(id)) expect(m.fields ?? []).not.toContain('assignee_id');
    // Bob got nothing about Alice's ticket.
    await staff.next((m) => m.type === 'ticket:updated' && m.ticketId === id && m.fields.includes('subject'));
    expect(bob.about(id)).toEqual([]);
    expect(bob.messages.filter((m) => m.type === 'notification:new')).toEqual([]);
  });

  it('sends no user or staff events to a socket opened with events=0 (the sync engine\'s)', async () => {
    const quiet = await Sock.open(srv.url, adminToken, '?events=0');
    socks.push(quiet);
    const loud = await open(adminToken);
    const id = uuidv7();
    expect((await mutate(users.alice.client, 'ticket.create', { id, subject: 'Quiet socket' })).status).toBe('applied');
    await loud.next((m) => m.type === 'ticket:created' && m.ticketId === id);
    // A notification for the admin comes through the user room: assign, then the requester replies.
    expect((await mutate(admin, 'ticket.assign', { id, set: { assignee_id: adminId, team_id: null }, base: { assignee_id: null, team_id: null } })).status).toBe('applied');
    const c2 = uuidv7();
    expect((await mutate(users.alice.client, 'comment.add', { id: c2, ticket_id: id, body: 'for the assignee' })).status).toBe('applied');
    await loud.next((m) => m.type === 'notification:new' && m.ticketId === id, 10_000, 'assignee notification');
    expect(quiet.messages.filter((m) => m.type.includes(':'))).toEqual([]);
    // It may still watch a ticket explicitly.
    expect((await quiet.watch(id)).type).toBe('ticket.watching');
  });

  it('closes the socket of a revoked session when it next asks to watch a ticket', async () => {
    const email = `carol-${Math.random().toString(36).slice(2, 8)}@example.test`;
    expect((await admin.post('/api/v1/admin/users', { email, name: 'Carol', roles: ['end_user'], password: PASSWORD })).status).toBe(201);
    const token = (await new Client(srv.url).login(email, PASSWORD)).json.accessToken;
    const carol = await open(token);
    const id = uuidv7();
    expect((await mutate(new Client(srv.url, { bearer: token }), 'ticket.create', { id, subject: 'Before sign-out' })).status).toBe('applied');
    expect((await carol.watch(id)).type).toBe('ticket.watching');
    expect((await new Client(srv.url, { bearer: token }).post('/api/auth/logout')).status).toBeLessThan(300);
    const closed = new Promise<number>((resolve) => carol.ws.once('close', (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 2_100)); // past the auth service's 2 s credential cache
    carol.send({ type: 'ticket.watch', ticketId: id });
    expect(await closed).toBe(4401);
  });

  it('sends internal notes only to those who may read them', async () => {
    const staff = await open(adminToken);
    const alice = await open(users.alice.token);
    const id = uuidv7();
    expect((await mutate(users.alice.client, 'ticket.create', { id, subject: 'VPN drops hourly' })).status).toBe('applied');
    expect((await staff.watch(id)).type).toBe('ticket.watching');
    // Alice watches her own ticket: she is in its room, and still gets no internal note.
    expect((await alice.watch(id)).type).toBe('ticket.watching');
    const note = uuidv7();
    expect((await mutate(admin, 'comment.add', { id: note, ticket_id: id, body: 'Requester is on the old client', internal: true })).status).toBe('applied');
    expect(await staff.next((m) => m.type === 'comment:added' && m.commentId === note)).toMatchObject({ internal: true });
    const reply = uuidv7();
    expect((await mutate(admin, 'comment.add', { id: reply, ticket_id: id, body: 'Please update your VPN client' })).status).toBe('applied');
    await alice.next((m) => m.type === 'comment:added' && m.commentId === reply, 10_000, 'public reply');
    expect(alice.messages.filter((m) => m.type === 'comment:added' && (m.internal || m.commentId === note))).toEqual([]);
    expect(JSON.stringify(alice.messages)).not.toContain(note);
  });

  it('refuses to watch a ticket the user may not read, and presence on an unwatched ticket', async () => {
    const id = uuidv7();
    expect((await mutate(users.alice.client, 'ticket.create', { id, subject: 'Private matter' })).status).toBe('applied');
    const bob = await open(users.bob.token);
    expect(await bob.watch(id)).toMatchObject({ type: 'error', code: 'forbidden', ticketId: id });
    expect(await bob.watch(uuidv7())).toMatchObject({ type: 'error', code: 'forbidden' });
    bob.send({ type: 'ticket.watch', ticketId: 'not-a-uuid' });
    expect(await bob.after((m) => m.type === 'error' && m.code === 'validation')).toMatchObject({ message: expect.stringContaining('ticketId') });
    bob.send({ type: 'presence.set', ticketId: id, state: 'typing' });
    expect(await bob.after((m) => m.type === 'error' && m.ticketId === id)).toMatchObject({ code: 'not_watching' });
    bob.send({ type: 'presence.set', ticketId: id, state: 'dancing' });
    expect(await bob.after((m) => m.type === 'error' && m.code === 'validation')).toMatchObject({ message: expect.stringContaining('state') });
    // Nothing of Alice's ticket reached Bob; the socket still works (and the shape mux too).
    const staff = await open(adminToken);
    await staff.watch(id);
    expect((await mutate(admin, 'ticket.update', { id, set: { priority: 'low' }, base: { priority: 'medium' } })).status).toBe('applied');
    await staff.next((m) => m.type === 'ticket:updated' && m.ticketId === id);
    expect(bob.about(id).filter((m) => m.type !== 'error')).toEqual([]);
    bob.send({ type: 'ping' });
    await bob.after((m) => m.type === 'pong');
  });

  it('shows presence to the other watchers and drops it when the socket closes', async () => {
    const id = uuidv7();
    expect((await mutate(users.alice.client, 'ticket.create', { id, subject: 'Printer jam' })).status).toBe('applied');
    const staff = await open(adminToken);
    const alice = await open(users.alice.token);
    await staff.watch(id);
    await alice.watch(id);
    staff.send({ type: 'presence.set', ticketId: id, state: 'viewing' });
    alice.send({ type: 'presence.set', ticketId: id, state: 'typing' });
    const both = (m: Msg) => m.type === 'presence' && m.ticketId === id && m.users.length === 2;
    const seen = await staff.next((m) => both(m) && m.users.some((u: Msg) => u.userId === users.alice.id && u.state === 'typing'), 10_000, 'alice typing');
    expect(seen.users).toEqual(
      expect.arrayContaining([
        { userId: users.alice.id, name: 'Alice', state: 'typing' },
        { userId: adminId, name: expect.any(String), state: 'viewing' }
      ])
    );
    await alice.next((m) => both(m) && m.users.some((u: Msg) => u.userId === adminId && u.state === 'viewing'), 10_000, 'admin viewing');
    // A late watcher gets the current list with its watch confirmation.
    const late = await open(adminToken);
    expect((await late.watch(id)).users).toHaveLength(2);
    alice.close();
    const gone = await staff.after((m) => m.type === 'presence' && m.ticketId === id && !m.users.some((u: Msg) => u.userId === users.alice.id), 10_000, 'alice gone');
    expect(gone.users.map((u: Msg) => u.userId)).toEqual([adminId]);
    // Unwatching also removes one's presence.
    staff.send({ type: 'ticket.unwatch', ticketId: id });
    await late.after((m) => m.type === 'presence' && m.ticketId === id && m.users.length === 0, 10_000, 'admin gone');
  });

  it('emits nothing for a rolled-back change', async () => {
    const id = uuidv7();
    expect((await mutate(users.alice.client, 'ticket.create', { id, subject: 'Monitor flickers' })).status).toBe('applied');
    const staff = await open(adminToken);
    const alice = await open(users.alice.token);
    await staff.watch(id);
    // A rejected mutation: its transaction (which had already touched the ticket) rolls back.
    const r = await mutate(users.alice.client, 'comment.add', { id: uuidv7(), ticket_id: id, body: 'sneaky note', internal: true });
    expect(r.status).toBe('rejected');
    if (srv.databaseUrl) {
      // A transaction that changes the ticket, posts a comment and a notification, then rolls back.
      const c = new pg.Client({ connectionString: srv.databaseUrl });
      await c.connect();
      try {
        await c.query('begin');
        await c.query(`update tickets set priority = 'critical', status = 'in_progress' where id = $1`, [id]);
        await c.query(`insert into ticket_comments (id, ticket_id, requester_id, internal, body, author_type, source) values ($1, $2, $3, false, 'never', 'agent', 'web')`, [uuidv7(), id, users.alice.id]);
        await c.query(`insert into notifications (user_id, type, title, ticket_id) values ($1, 'test', 'rolled back', $2)`, [users.alice.id, id]);
        await c.query('rollback');
      } finally {
        await c.end();
      }
    }
    // Sentinel: a committed change after the rolled-back ones arrives; nothing else came before it.
    expect((await mutate(admin, 'ticket.update', { id, set: { subject: 'Monitor flickers (sentinel)' }, base: { subject: 'Monitor flickers' } })).status).toBe('applied');
    await staff.next((m) => m.type === 'ticket:updated' && m.ticketId === id, 10_000, 'sentinel (staff)');
    await alice.next((m) => m.type === 'ticket:updated' && m.ticketId === id, 10_000, 'sentinel (alice)');
    for (const s of [staff, alice]) {
      // (ticket:created may arrive after the socket opened: it was committed just before.)
      const events = s.about(id).filter((m) => m.type.includes(':') && m.type !== 'ticket:created');
      expect(events.map((m) => [m.type, m.fields])).toEqual([['ticket:updated', ['subject']]]);
    }
    expect(alice.messages.filter((m) => m.type === 'notification:new' && m.title === 'rolled back')).toEqual([]);
  });

  it('client: presence store, event subscription, reconnect and re-watch after a server restart', async () => {
    const id = uuidv7();
    expect((await mutate(users.alice.client, 'ticket.create', { id, subject: 'Client library' })).status).toBe('applied');
    let base = srv.url;
    const opened: string[] = [];
    const client = (token: string) =>
      new RealtimeClient({
        socket: () => {
          opened.push(base);
          return new WebSocket(base.replace(/^http/, 'ws') + '/ws', { headers: { authorization: `Bearer ${token}` } }) as unknown as RealtimeSocket;
        },
        refreshAuth: async () => true,
        backoff: { initialMs: 50, maxMs: 500 },
        heartbeatMs: 1_000,
        typingMs: 300
      });
    const agent = client(adminToken);
    const alice = client(users.alice.token);
    const comments: Msg[] = [];
    const off = alice.on('comment:added', (e) => comments.push(e));
    try {
      agent.start(adminId);
      alice.start(users.alice.id);
      agent.watch(id);
      const unwatchAlice = alice.watch(id);
      // Presence before the socket is open or the watch confirmed: it is queued and re-sent.
      agent.setPresence(id, 'viewing');
      alice.setPresence(id, 'viewing');
      const wait = async (ok: () => boolean, what: string, ms = 15_000) => {
        const end = Date.now() + ms;
        while (!ok()) {
          if (Date.now() > end) throw new Error(`timed out: ${what}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await wait(() => agent.othersOn(id).some((u) => u.userId === users.alice.id && u.state === 'viewing'), 'agent sees alice');
      alice.typing(id);
      await wait(() => agent.othersOn(id).some((u) => u.state === 'typing'), 'alice typing');
      await wait(() => agent.othersOn(id).some((u) => u.state === 'viewing'), 'back to viewing after the pause');
      const cid = uuidv7();
      expect((await mutate(admin, 'comment.add', { id: cid, ticket_id: id, body: 'Via the client' })).status).toBe('applied');
      await wait(() => comments.some((c) => c.commentId === cid), 'comment event');

      // Restart the server (same data): both clients reconnect, watch again and show presence again.
      const dataDir = srv.dataDir;
      const databaseUrl = srv.databaseUrl;
      await srv.stop({ keepData: true });
      await wait(() => !agent.connected && !alice.connected, 'disconnected');
      srv = await startServer(backend, {}, { dataDir, databaseUrl });
      base = srv.url;
      admin = new Client(srv.url, { bearer: adminToken });
      users.alice.client = new Client(srv.url, { bearer: users.alice.token });
      await wait(() => agent.connected && alice.connected, 'reconnected', 30_000);
      await wait(() => agent.othersOn(id).some((u) => u.userId === users.alice.id), 'presence again after reconnect');
      const again = uuidv7();
      expect((await mutate(admin, 'comment.add', { id: again, ticket_id: id, body: 'After the restart' })).status).toBe('applied');
      await wait(() => comments.some((c) => c.commentId === again), 'comment event after reconnect');
      // Leaving the ticket: the others see it go.
      unwatchAlice();
      await wait(() => agent.othersOn(id).length === 0, 'alice left');
      expect(alice.presenceOf(id)).toEqual([]);
    } finally {
      off();
      agent.stop();
      alice.stop();
    }
  });

  it.runIf(backend === 'postgres')('shares presence and events between two app instances through LISTEN/NOTIFY', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-it-2nd-'));
    // The second instance shares the database; stopping it must not drop it.
    const srv2 = await startServer('postgres', {}, { dataDir: dir, databaseUrl: srv.databaseUrl!, drop: async () => {} });
    try {
      const id = uuidv7();
      expect((await mutate(users.alice.client, 'ticket.create', { id, subject: 'Two instances' })).status).toBe('applied');
      const staff = await open(adminToken, srv.url);
      const alice = await open(users.alice.token, srv2.url);
      expect((await staff.watch(id)).type).toBe('ticket.watching');
      expect((await alice.watch(id)).type).toBe('ticket.watching');
      staff.send({ type: 'presence.set', ticketId: id, state: 'viewing' });
      alice.send({ type: 'presence.set', ticketId: id, state: 'typing' });
      await staff.next((m) => m.type === 'presence' && m.ticketId === id && m.users.some((u: Msg) => u.userId === users.alice.id && u.state === 'typing'), 10_000, 'alice typing on the other instance');
      await alice.next((m) => m.type === 'presence' && m.ticketId === id && m.users.some((u: Msg) => u.userId === adminId && u.state === 'viewing'), 10_000, 'admin viewing on the other instance');
      // An event committed through instance 1 reaches a socket on instance 2, once.
      const cid = uuidv7();
      expect((await mutate(admin, 'comment.add', { id: cid, ticket_id: id, body: 'From the first instance' })).status).toBe('applied');
      await alice.next((m) => m.type === 'comment:added' && m.commentId === cid, 10_000, 'comment on instance 2');
      await staff.next((m) => m.type === 'comment:added' && m.commentId === cid);
      // The LISTEN connections drop (e.g. a database restart or a proxy timeout): both instances
      // reconnect, and presence flows again.
      const c = new pg.Client({ connectionString: srv.databaseUrl });
      await c.connect();
      try {
        const killed = await c.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'outpost-realtime-listen' and datname = current_database()`);
        expect(killed.rowCount).toBe(2);
        const end = Date.now() + 15_000;
        for (;;) {
          const n = await c.query(`select count(*)::int as n from pg_stat_activity where application_name = 'outpost-realtime-listen' and datname = current_database() and query ilike 'listen%'`);
          if (n.rows[0].n === 2) break;
          if (Date.now() > end) throw new Error('LISTEN connections did not come back');
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await c.end();
      }
      alice.send({ type: 'presence.set', ticketId: id, state: 'idle' });
      await staff.after((m) => m.type === 'presence' && m.ticketId === id && m.users.some((u: Msg) => u.userId === users.alice.id && u.state === 'idle'), 10_000, 'presence after LISTEN reconnect');
      // Alice's socket closes on instance 2: instance 1's watchers see her leave.
      alice.close();
      await staff.after((m) => m.type === 'presence' && m.ticketId === id && !m.users.some((u: Msg) => u.userId === users.alice.id), 10_000, 'alice left');
      expect(alice.messages.filter((m) => m.type === 'comment:added' && m.commentId === cid)).toHaveLength(1);
    } finally {
      const tailerErrors = srv2.logs.join('').split('\n').filter((l) => l.includes('sync tailer read failed'));
      if (tailerErrors.length) console.warn(`[info] second instance: ${tailerErrors.length} sync tailer errors, e.g. ${tailerErrors[0].slice(0, 300)}`);
      await srv2.stop();
    }
  });
});
