// The sync gatekeeper on the real built server (demo data, both databases): a portal user's
// streams hold only their own tickets and the public comments on them, never an internal note,
// another user's ticket, a secret setting or a credential; forbidden or unknown shapes are 403,
// no session is 401, and injected table/where/columns parameters are ignored.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import pg from 'pg';
import { ShapeStream, isChangeMessage, isControlMessage, type Message, type Row } from '@electric-sql/client';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, type RunningServer } from '../support/server';
import type { Backend } from '../support/backends';

const backends = inject('backends') as Backend[];
const PASSWORD = 'a long and unusual passphrase';

class Replica {
  rows = new Map<string, Record<string, any>>();
  seen: Record<string, any>[] = [];
  upToDates = 0;
  error: unknown;
  private ac = new AbortController();
  constructor(url: string, token: string, params: Record<string, string>) {
    const stream = new ShapeStream({
      url,
      headers: { authorization: `Bearer ${token}` },
      params: params as any,
      signal: this.ac.signal,
      onError: (e) => {
        this.error = e;
      }
    });
    stream.subscribe((msgs: Message<Row>[]) => {
      for (const m of msgs) {
        if (isChangeMessage(m)) {
          this.seen.push({ ...m.value, __op: m.headers.operation, __key: m.key });
          if (m.headers.operation === 'delete') this.rows.delete(m.key);
          else this.rows.set(m.key, { ...(this.rows.get(m.key) ?? {}), ...m.value });
        } else if (isControlMessage(m) && m.headers.control === 'up-to-date') this.upToDates++;
      }
    });
  }
  async ready() {
    await until('up-to-date', () => {
      if (this.error) throw this.error;
      return this.upToDates > 0;
    });
    return this;
  }
  values() {
    return [...this.rows.values()];
  }
  stop() {
    this.ac.abort();
  }
}

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 15_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each(backends)('sync gatekeeper security on %s', (backend) => {
  let srv: RunningServer;
  let admin: Client;
  let adminToken: string;
  let shapeUrl: string;
  let endUser: { id: string; email: string; token: string };
  let other: { id: string };
  const open: Replica[] = [];
  const replica = async (token: string, params: Record<string, string>) => {
    const r = new Replica(shapeUrl, token, params);
    open.push(r);
    return r.ready();
  };

  beforeAll(async () => {
    srv = await startServer(backend, { OUTPOST_DEMO: '1' });
    shapeUrl = `${srv.url}/api/sync/shape`;
    admin = new Client(srv.url);
    adminToken = (await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD)).json.accessToken;

    // Choose a portal user whose tickets carry internal notes (from the admin's own view).
    const comments = await replica(adminToken, { shape: 'ticket_comments' });
    const internalBy = new Map<string, number>();
    for (const c of comments.values()) if (c.internal) internalBy.set(c.requester_id, (internalBy.get(c.requester_id) ?? 0) + 1);
    const candidates = [...internalBy.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
    let chosen: { id: string; email: string } | undefined;
    for (const id of candidates) {
      const u = await admin.get(`/api/v1/admin/users/${id}`);
      if (u.status === 200 && u.json.roles.length && u.json.roles.every((r: string) => r === 'end_user' || r === 'requester')) {
        chosen = { id, email: u.json.email };
        break;
      }
    }
    expect(chosen, 'demo data has a portal user with internal notes on their tickets').toBeTruthy();
    const link = await admin.post(`/api/v1/admin/users/${chosen!.id}/reset-link`);
    expect(link.status, link.text).toBe(201);
    const token = /[?&#]token=([^&#]+)/.exec(link.json.url)?.[1] ?? link.json.url.split('/').pop();
    const reset = await new Client(srv.url).post('/api/auth/password-reset', { token: decodeURIComponent(token), password: PASSWORD });
    expect(reset.status, reset.text).toBe(204);
    const login = await new Client(srv.url).login(chosen!.email, PASSWORD);
    endUser = { ...chosen!, token: login.json.accessToken };
    other = { id: candidates.find((c) => c !== chosen!.id)! };
  });
  afterAll(async () => {
    for (const r of open) r.stop();
    await srv?.stop();
  });

  it("an end user's tickets shape holds exactly their own tickets", async () => {
    const all = await replica(adminToken, { shape: 'tickets' });
    const mine = await replica(endUser.token, { shape: 'tickets' });
    expect(mine.rows.size).toBeGreaterThan(0);
    for (const t of mine.values()) expect(t.requester_id).toBe(endUser.id);
    // Everything the staff view shows of theirs is there too.
    const staffView = all.values().filter((t) => t.requester_id === endUser.id);
    for (const t of staffView) expect(mine.values().some((m) => m.id === t.id)).toBe(true);
    expect(all.values().some((t) => t.requester_id !== endUser.id)).toBe(true);
  });

  it('comments: only the public ones on their own tickets, never an internal note', async () => {
    const all = await replica(adminToken, { shape: 'ticket_comments' });
    const mine = await replica(endUser.token, { shape: 'ticket_comments' });
    const expected = all.values().filter((c) => c.requester_id === endUser.id && !c.internal);
    expect(all.values().some((c) => c.requester_id === endUser.id && c.internal)).toBe(true);
    expect(mine.rows.size).toBe(expected.length);
    for (const c of mine.seen) {
      expect(c.requester_id).toBe(endUser.id);
      expect(c.internal).toBe(false);
    }
  });

  it('users, settings and notifications: no credentials, no secrets, nobody else', async () => {
    const users = await replica(endUser.token, { shape: 'users' });
    expect(users.values().map((u) => u.id)).toEqual([endUser.id]);
    for (const u of users.values()) {
      expect(Object.keys(u).sort()).toEqual(['available', 'avatar_url', 'department', 'email', 'id', 'job_title', 'name', 'role_keys', 'status', 'team_id']);
      expect(u.role_keys).toEqual(['end_user']);
    }
    const staffUsers = await replica(adminToken, { shape: 'users' });
    expect(staffUsers.rows.size).toBeGreaterThan(5);
    for (const u of staffUsers.values()) expect(u.password_hash).toBeUndefined();

    const settings = await replica(endUser.token, { shape: 'settings' });
    const keys = settings.values().map((s) => s.key);
    expect(keys).toContain('org.name');
    expect(keys).not.toContain('auth.lockout');
    expect(keys).not.toContain('sync.closedTicketDays');

    const notes = await replica(endUser.token, { shape: 'notifications' });
    for (const n of notes.values()) expect(n.user_id).toBe(endUser.id);

    const kb = await replica(endUser.token, { shape: 'kb_articles' });
    for (const a of kb.values()) expect([a.status, a.audience]).toEqual(['published', 'public']);
  });

  it('401 without a session; 403 for a forbidden or unknown shape', async () => {
    expect((await fetch(`${shapeUrl}?shape=tickets&offset=-1`)).status).toBe(401);
    const auth = { authorization: `Bearer ${endUser.token}` };
    for (const shape of ['assets', 'change_requests', 'sla_policies', 'audit_logs', 'refresh_tokens', 'nope']) {
      const r = await fetch(`${shapeUrl}?shape=${shape}&offset=-1`, { headers: auth });
      expect(r.status, shape).toBe(403);
    }
    expect((await fetch(`${shapeUrl}?offset=-1`, { headers: auth })).status).toBe(400);
  });

  it('injected table, where, params and columns are ignored', async () => {
    const auth = { authorization: `Bearer ${endUser.token}` };
    const q = new URLSearchParams({ shape: 'tickets', offset: '-1', table: 'users', where: 'true OR requester_id = $1', 'params[1]': other.id, columns: '"id","password_hash"' });
    const r = await fetch(`${shapeUrl}?${q}`, { headers: auth });
    expect(r.status).toBe(200);
    const body = (await r.json()) as any[];
    const rows = body.filter((m) => m.key);
    expect(rows.length).toBeGreaterThan(0);
    for (const m of rows) {
      expect(m.headers.relation).toEqual(['public', 'tickets']);
      expect(m.value.requester_id).toBe(endUser.id);
      expect(m.value.password_hash).toBeUndefined();
    }
    // The same through the real client.
    const injected = await replica(endUser.token, { shape: 'ticket_comments', table: 'ticket_comments', where: 'internal = true' });
    for (const c of injected.values()) expect(c.internal).toBe(false);
  });

  it('live: changes to other people never reach the stream, their own do', async () => {
    const users = await replica(endUser.token, { shape: 'users' });
    const comments = await replica(endUser.token, { shape: 'ticket_comments' });
    const tickets = await replica(endUser.token, { shape: 'tickets' });
    // Through the API (works on both databases): the admin renames the end user and someone else.
    expect((await admin.patch(`/api/v1/admin/users/${other.id}`, { name: 'Someone Else Renamed' })).status).toBe(200);
    expect((await admin.patch(`/api/v1/admin/users/${endUser.id}`, { name: 'Portal User Renamed' })).status).toBe(200);
    await until('own rename', () => users.values()[0]?.name === 'Portal User Renamed');
    expect(users.seen.every((u) => u.id === endUser.id)).toBe(true);

    if (backend === 'postgres') {
      // Direct writes: an internal note and a public reply on their ticket, a reply on another's.
      const db = new pg.Client({ connectionString: srv.databaseUrl });
      await db.connect();
      const ticket = tickets.values()[0].id;
      const otherTicket = (await db.query(`select id from tickets where requester_id <> $1 limit 1`, [endUser.id])).rows[0].id;
      await db.query(`insert into ticket_comments (ticket_id, requester_id, internal, body) values ($1, $2, true, 'INTERNAL: do not show')`, [ticket, endUser.id]);
      await db.query(`insert into ticket_comments (ticket_id, requester_id, internal, body) values ($1, $2, false, 'OTHER: not yours')`, [otherTicket, endUser.id]);
      await db.query(`insert into ticket_comments (ticket_id, requester_id, internal, body) values ($1, $2, false, 'PUBLIC: hello')`, [ticket, endUser.id]);
      // A public reply turned internal afterwards leaves the stream.
      const flip = (await db.query(`insert into ticket_comments (ticket_id, requester_id, internal, body) values ($1, $2, false, 'FLIP') returning id`, [ticket, endUser.id])).rows[0].id;
      await until('public reply', () => comments.values().some((c) => c.body === 'PUBLIC: hello') && comments.values().some((c) => c.id === flip));
      await db.query(`update ticket_comments set internal = true, body = 'FLIP: now internal' where id = $1`, [flip]);
      await until('flip leaves', () => !comments.values().some((c) => c.id === flip));
      const check = (forbidden: RegExp) => {
        for (const c of comments.seen) {
          expect(c.body ?? '').not.toMatch(forbidden);
          if (c.__op !== 'delete') expect(c.internal).toBe(false);
        }
      };
      check(/INTERNAL|OTHER|now internal/);
      // Someone else's ticket changing hands to them moves in, with its public conversation (the
      // copied requester_id follows); moving it back moves both out again.
      await db.query(`update tickets set requester_id = $2 where id = $1`, [otherTicket, endUser.id]);
      await until('move-in', () => tickets.values().some((t) => t.id === otherTicket) && comments.values().some((c) => c.body === 'OTHER: not yours'));
      await db.query(`update tickets set requester_id = $2 where id = $1`, [otherTicket, other.id]);
      await until('move-out', () => !tickets.values().some((t) => t.id === otherTicket) && !comments.values().some((c) => c.ticket_id === otherTicket));
      await db.end();
      check(/INTERNAL|now internal/);
    }
  });
});
