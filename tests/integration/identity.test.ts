// Local identity, RBAC, CSRF, input errors and audit, against the real built server on each
// available database (PGlite always; PostgreSQL when TEST_DATABASE_URL is reachable).
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { SignJWT } from 'jose';
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, TEST_SECRET, type RunningServer } from '../support/server';
import type { Backend } from '../support/backends';

const backends = inject('backends') as Backend[];
const GOOD_PASSWORD = 'a long and unusual passphrase';

describe.each(backends)('identity on %s', (backend) => {
  let srv: RunningServer;
  let admin: Client;

  const newUser = async (roles: string[], password = GOOD_PASSWORD) => {
    const email = `${roles.join('-')}-${Math.random().toString(36).slice(2, 8)}@example.test`;
    const r = await admin.post('/api/v1/admin/users', { email, name: `Test ${roles.join(' ')}`, roles, password });
    expect(r.status, r.text).toBe(201);
    return { email, id: r.json.user.id as string, password };
  };

  beforeAll(async () => {
    srv = await startServer(backend);
    admin = new Client(srv.url);
    await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('reports health with the database engine', async () => {
    const r = await new Client(srv.url).get('/api/health');
    expect(r.status).toBe(200);
    expect(r.json.db).toMatchObject({ ok: true, engine: backend });
    expect(r.json.db.schemaVersion).toBeGreaterThanOrEqual(1);
  });

  describe('login', () => {
    it('signs in, sets HttpOnly SameSite cookies and returns the profile', async () => {
      const c = new Client(srv.url);
      const r = await c.post('/api/auth/login', { email: ADMIN_EMAIL.toUpperCase(), password: ADMIN_PASSWORD });
      expect(r.status).toBe(200);
      expect(r.json.user).toMatchObject({ email: ADMIN_EMAIL, roles: ['admin'] });
      expect(r.json.user.permissions).toContain('settings.manage');
      expect(typeof r.json.accessToken).toBe('string');
      const at = r.setCookies.find((s) => s.startsWith('outpost_at='))!;
      const rt = r.setCookies.find((s) => s.startsWith('outpost_rt='))!;
      expect(at).toMatch(/HttpOnly/i);
      expect(at).toMatch(/SameSite=Lax/i);
      expect(rt).toMatch(/HttpOnly/i);
      expect(rt).toMatch(/SameSite=Strict/i);
      expect(rt).toMatch(/Path=\/api\/auth/i);
      const me = await c.get('/api/v1/me');
      expect(me.status).toBe(200);
      expect(me.json.email).toBe(ADMIN_EMAIL);
    });

    it('answers a wrong password and an unknown email the same way', async () => {
      const wrong = await new Client(srv.url).post('/api/auth/login', { email: ADMIN_EMAIL, password: 'not the password' });
      const unknown = await new Client(srv.url).post('/api/auth/login', { email: 'nobody@example.test', password: 'whatever123' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.json.error).toEqual(unknown.json.error);
      expect(wrong.json.error.code).toBe('unauthenticated');
      expect(wrong.setCookies).toHaveLength(0);
    });

    it('accepts a Bearer access token for API clients', async () => {
      const r = await new Client(srv.url).post('/api/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
      const api = new Client(srv.url, { bearer: r.json.accessToken, origin: null });
      expect((await api.get('/api/v1/me')).json.email).toBe(ADMIN_EMAIL);
    });

    it('rejects an expired access token with token_expired, and a forged one as unauthenticated', async () => {
      const me = await admin.get('/api/v1/me');
      const key = new Uint8Array(createHmac('sha256', TEST_SECRET).update('outpost:jwt').digest());
      const now = Math.floor(Date.now() / 1000);
      const expired = await new SignJWT({ sid: crypto.randomUUID(), typ: 'access' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(me.json.id)
        .setIssuer('outpost')
        .setIssuedAt(now - 1000)
        .setExpirationTime(now - 10)
        .sign(key);
      const r = await new Client(srv.url, { bearer: expired, origin: null }).get('/api/v1/me');
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe('token_expired');
      expect(r.headers.get('www-authenticate')).toMatch(/expired/);
      const forged = await new SignJWT({ sid: crypto.randomUUID(), typ: 'access' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(me.json.id)
        .setIssuer('outpost')
        .setExpirationTime(now + 600)
        .sign(new TextEncoder().encode('not-the-server-secret-not-the-server-secret'));
      const f = await new Client(srv.url, { bearer: forged, origin: null }).get('/api/v1/me');
      expect(f.status).toBe(401);
      expect(f.json.error.code).toBe('unauthenticated');
    });
  });

  describe('refresh tokens', () => {
    it('rotate: each refresh issues a new refresh token and a working access token', async () => {
      const u = await newUser(['agent']);
      const c = new Client(srv.url);
      await c.login(u.email, u.password);
      const rt1 = c.cookies.get('outpost_rt');
      const at1 = c.cookies.get('outpost_at');
      const r = await c.post('/api/auth/refresh');
      expect(r.status).toBe(200);
      expect(c.cookies.get('outpost_rt')).not.toBe(rt1);
      expect(c.cookies.get('outpost_at')).not.toBe(at1);
      expect((await c.get('/api/v1/me')).json.email).toBe(u.email);
      const r2 = await c.post('/api/auth/refresh');
      expect(r2.status).toBe(200);
    });

    it('reuse of an old refresh token revokes the whole family', async () => {
      const u = await newUser(['agent']);
      const c = new Client(srv.url);
      await c.login(u.email, u.password);
      const stolen = c.cookies.get('outpost_rt')!;
      expect((await c.post('/api/auth/refresh')).status).toBe(200);
      const current = c.cookies.get('outpost_rt')!;

      const attacker = new Client(srv.url);
      attacker.cookies.set('outpost_rt', stolen);
      const reuse = await attacker.post('/api/auth/refresh');
      expect(reuse.status).toBe(401);

      const legit = new Client(srv.url);
      legit.cookies.set('outpost_rt', current);
      expect((await legit.post('/api/auth/refresh')).status).toBe(401);
      // the access token of the revoked family stops working too
      expect((await c.get('/api/v1/me')).status).toBe(401);

      const audit = await admin.get(`/api/v1/admin/audit?action=auth.refresh_reuse&entityId=${u.id}`);
      expect(audit.json.items).toHaveLength(1);
    });

    it('logout ends the session', async () => {
      const u = await newUser(['end_user']);
      const c = new Client(srv.url);
      await c.login(u.email, u.password);
      const rt = c.cookies.get('outpost_rt')!;
      const at = c.cookies.get('outpost_at')!;
      expect((await c.post('/api/auth/logout')).status).toBe(204);
      expect(c.cookies.has('outpost_at')).toBe(false);
      const replay = new Client(srv.url);
      replay.cookies.set('outpost_rt', rt);
      expect((await replay.post('/api/auth/refresh')).status).toBe(401);
      const replayAccess = new Client(srv.url);
      replayAccess.cookies.set('outpost_at', at);
      expect((await replayAccess.get('/api/v1/me')).status).toBe(401);
    });
  });

  describe('RBAC', () => {
    const expectations: [string, number, number][] = [
      // role, GET /admin/users, GET /admin/audit
      ['admin', 200, 200],
      ['it_manager', 403, 200],
      ['agent', 403, 403],
      ['end_user', 403, 403],
      ['requester', 403, 403]
    ];
    it('answers 401 without a session', async () => {
      const r = await new Client(srv.url).get('/api/v1/admin/users');
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe('unauthenticated');
    });
    it.each(expectations)('%s: admin users → %i, audit → %i', async (role, users, audit) => {
      const u = await newUser([role]);
      const c = new Client(srv.url);
      const login = await c.login(u.email, u.password);
      expect(login.json.user.roles).toEqual([role]);
      const r1 = await c.get('/api/v1/admin/users');
      expect(r1.status).toBe(users);
      if (users === 403) expect(r1.json.error.code).toBe('forbidden');
      expect((await c.get('/api/v1/admin/audit')).status).toBe(audit);
      expect((await c.get('/api/v1/me')).status).toBe(200);
    });
  });

  describe('CSRF', () => {
    it('refuses a cookie-authenticated change from another origin or without an origin', async () => {
      const evil = await admin.post('/api/v1/admin/users', { email: 'x@example.test', name: 'X', roles: ['agent'] }, { origin: 'http://evil.example' });
      expect(evil.status).toBe(403);
      expect(evil.json.error.code).toBe('csrf');
      const noOrigin = new Client(srv.url, { origin: null });
      for (const [k, v] of admin.cookies) noOrigin.cookies.set(k, v);
      const r = await noOrigin.post('/api/v1/admin/users', { email: 'y@example.test', name: 'Y', roles: ['agent'] });
      expect(r.status).toBe(403);
      expect(r.json.error.code).toBe('csrf');
      const listed = await admin.get('/api/v1/admin/users?q=example.test&limit=200');
      expect(listed.json.items.map((u: { email: string }) => u.email)).not.toContain('x@example.test');
    });
    it('lets Bearer clients post without an Origin', async () => {
      const login = await new Client(srv.url).login(ADMIN_EMAIL, ADMIN_PASSWORD);
      const api = new Client(srv.url, { bearer: login.json.accessToken, origin: null });
      const r = await api.post('/api/v1/me/api-keys', { name: 'ci' });
      expect(r.status).toBe(201);
    });
  });

  describe('bad input', () => {
    it('malformed JSON → 400 invalid_json naming the body', async () => {
      const r = await admin.post('/api/v1/admin/users', '{"email": "a@b.c", name: }');
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('invalid_json');
      expect(r.json.error.fields[0].field).toBe('body');
    });
    it('wrong types → 400 naming each field', async () => {
      const r = await admin.post('/api/v1/admin/users', { email: 42, name: '', roles: ['wizard'] });
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('validation');
      const fields = r.json.error.fields.map((f: { field: string }) => f.field);
      expect(fields).toEqual(expect.arrayContaining(['email', 'name', 'roles.0']));
      const login = await new Client(srv.url).post('/api/auth/login', { email: 'not-an-email', password: 7 });
      expect(login.status).toBe(400);
      expect(login.json.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['email', 'password']);
    });
    it('bad query and path parameters → 400 naming them', async () => {
      expect((await admin.get('/api/v1/admin/users?limit=5000')).json.error.fields[0].field).toBe('limit');
      const p = await admin.get('/api/v1/admin/users/not-a-uuid');
      expect(p.status).toBe(400);
      expect(p.json.error.fields[0].field).toBe('id');
    });
    it('non-JSON content type → 415', async () => {
      const r = await admin.post('/api/v1/admin/users', 'email=a', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(r.status).toBe(415);
    });
    it('oversized body → 413', async () => {
      const big = JSON.stringify({ email: 'a@b.test', name: 'x'.repeat(2 * 1024 * 1024), roles: ['agent'] });
      const r = await admin.post('/api/v1/admin/users', big);
      expect(r.status).toBe(413);
      expect(r.json.error.code).toBe('payload_too_large');
    });
    it('unknown /api path → JSON 404', async () => {
      const r = await admin.get('/api/v1/nope');
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toMatch(/json/);
      expect(r.json.error.code).toBe('not_found');
      expect((await admin.post('/api/whatever', {})).status).toBe(404);
    });
    it('a duplicate email → 409 naming the field', async () => {
      const u = await newUser(['agent']);
      const r = await admin.post('/api/v1/admin/users', { email: u.email.toUpperCase(), name: 'Dup', roles: ['agent'], password: GOOD_PASSWORD });
      expect(r.status).toBe(409);
      expect(r.json.error.fields[0].field).toBe('email');
    });
  });

  describe('passwords', () => {
    it('enforces the policy: length ≥ 8, long allowed, common refused, no composition rules', async () => {
      const mk = (password: string) => admin.post('/api/v1/admin/users', { email: `p${Math.random().toString(36).slice(2)}@example.test`, name: 'P', roles: ['end_user'], password });
      const short = await mk('abc12');
      expect(short.status).toBe(400);
      expect(short.json.error.fields[0]).toMatchObject({ field: 'password', message: expect.stringMatching(/at least 8/) });
      const common = await mk('password123');
      expect(common.status).toBe(400);
      expect(common.json.error.fields[0].message).toMatch(/common/);
      expect((await mk('qwertyuiop')).status).toBe(400);
      expect((await mk('all lowercase words without digits')).status).toBe(201);
      expect((await mk('ü'.repeat(70) + ' long unicode passphrase')).status).toBe(201);
    });

    it('admin-issued reset link: single use, sets the password, ends old sessions', async () => {
      const u = await newUser(['agent']);
      const old = new Client(srv.url);
      await old.login(u.email, u.password);
      const link = await admin.post(`/api/v1/admin/users/${u.id}/reset-link`);
      expect(link.status).toBe(201);
      const token = new URL(link.json.url).searchParams.get('token')!;
      const anon = new Client(srv.url);
      const weak = await anon.post('/api/auth/password-reset', { token, password: '12345678' });
      expect(weak.status).toBe(400);
      expect(weak.json.error.fields[0].field).toBe('password');
      const ok = await anon.post('/api/auth/password-reset', { token, password: 'a brand new passphrase' });
      expect(ok.status).toBe(204);
      const again = await anon.post('/api/auth/password-reset', { token, password: 'another new passphrase' });
      expect(again.status).toBe(400);
      expect(again.json.error.fields[0].field).toBe('token');
      expect((await new Client(srv.url).post('/api/auth/login', { email: u.email, password: u.password })).status).toBe(401);
      await new Client(srv.url).login(u.email, 'a brand new passphrase');
      expect((await old.post('/api/auth/refresh')).status).toBe(401);
    });

    it('invites: no password → invited with a one-time link that activates the account', async () => {
      // Regression: with the settings cache expired, the invite once read settings outside its own
      // transaction and deadlocked the single-connection embedded database.
      await new Promise((r) => setTimeout(r, 2100));
      const email = `invitee-${Date.now()}@example.test`;
      const r = await admin.post('/api/v1/admin/users', { email, name: 'Invitee', roles: ['end_user'] });
      expect(r.status).toBe(201);
      expect(r.json.user.status).toBe('invited');
      const token = new URL(r.json.resetUrl).searchParams.get('token')!;
      expect((await new Client(srv.url).post('/api/auth/password-reset', { token, password: 'my chosen passphrase' })).status).toBe(204);
      const login = await new Client(srv.url).login(email, 'my chosen passphrase');
      expect(login.json.user.roles).toEqual(['end_user']);
      const got = await admin.get(`/api/v1/admin/users/${r.json.user.id}`);
      expect(got.json.status).toBe('active');
    });
  });

  describe('user administration', () => {
    it('deactivation ends sessions and blocks login; roles change; last admin is protected', async () => {
      const u = await newUser(['agent']);
      const c = new Client(srv.url);
      await c.login(u.email, u.password);
      const d = await admin.patch(`/api/v1/admin/users/${u.id}`, { status: 'inactive' });
      expect(d.status).toBe(200);
      expect(d.json.status).toBe('inactive');
      expect((await c.get('/api/v1/me')).status).toBe(401);
      expect((await c.post('/api/auth/refresh')).status).toBe(401);
      expect((await new Client(srv.url).post('/api/auth/login', { email: u.email, password: u.password })).status).toBe(401);

      const r = await admin.patch(`/api/v1/admin/users/${u.id}`, { status: 'active', roles: ['it_manager'] });
      expect(r.json.roles).toEqual(['it_manager']);

      // Other tests made more admins; deactivate them so this one is the last.
      const me = await admin.get('/api/v1/me');
      const admins = await admin.get('/api/v1/admin/users?role=admin&status=active&limit=200');
      for (const other of admins.json.items) if (other.id !== me.json.id) expect((await admin.patch(`/api/v1/admin/users/${other.id}`, { status: 'inactive' })).status).toBe(200);
      const self = await admin.patch(`/api/v1/admin/users/${me.json.id}`, { roles: ['agent'] });
      expect(self.status).toBe(409);
      expect(self.json.error.fields[0].field).toBe('roles');
      const selfOff = await admin.patch(`/api/v1/admin/users/${me.json.id}`, { status: 'inactive' });
      expect(selfOff.status).toBe(409);
      const list = await admin.get('/api/v1/admin/users?role=admin');
      expect(list.json.items.map((x: { email: string }) => x.email)).toContain(ADMIN_EMAIL);
    });

    it('lists roles with their permissions from the database', async () => {
      const r = await admin.get('/api/v1/admin/roles');
      expect(r.json.items.map((x: { key: string }) => x.key)).toEqual(['admin', 'it_manager', 'agent', 'end_user', 'requester']);
      const requester = r.json.items.find((x: { key: string }) => x.key === 'requester');
      expect(requester.permissions).toEqual(['tickets.create', 'tickets.read.own']);
    });
  });

  describe('audit', () => {
    it('records who changed what, from where, with a diff, and pages by cursor', async () => {
      const u = await newUser(['agent']);
      await admin.patch(`/api/v1/admin/users/${u.id}`, { name: 'Renamed Agent' });
      const r = await admin.get(`/api/v1/admin/audit?entityType=user&entityId=${u.id}`);
      expect(r.status).toBe(200);
      const actions = r.json.items.map((i: { action: string }) => i.action);
      expect(actions).toEqual(['user.update', 'user.create']);
      const upd = r.json.items[0];
      expect(upd.actor.email).toBe(ADMIN_EMAIL);
      expect(upd.source).toBe('web');
      expect(upd.diff.name).toEqual({ from: 'Test agent', to: 'Renamed Agent' });
      const create = r.json.items[1];
      expect(JSON.stringify(create)).not.toMatch(/argon2|password_hash/);

      const p1 = await admin.get('/api/v1/admin/audit?limit=2');
      expect(p1.json.items).toHaveLength(2);
      const p2 = await admin.get(`/api/v1/admin/audit?limit=2&cursor=${p1.json.nextCursor}`);
      expect(p2.json.items).toHaveLength(2);
      expect(p2.json.items[0].id).not.toBe(p1.json.items[1].id);
      expect(new Date(p2.json.items[0].occurredAt) <= new Date(p1.json.items[1].occurredAt)).toBe(true);
    });

    it('records API changes with source api', async () => {
      const login = await new Client(srv.url).login(ADMIN_EMAIL, ADMIN_PASSWORD);
      const api = new Client(srv.url, { bearer: login.json.accessToken, origin: null });
      const created = await api.post('/api/v1/admin/users', { email: `api-${Date.now()}@example.test`, name: 'Via API', roles: ['requester'], password: GOOD_PASSWORD });
      const r = await admin.get(`/api/v1/admin/audit?entityId=${created.json.user.id}`);
      expect(r.json.items[0].source).toBe('api');
    });
  });

  describe('API keys', () => {
    it('authenticate as Bearer until revoked', async () => {
      const created = await admin.post('/api/v1/me/api-keys', { name: 'integration' });
      expect(created.status).toBe(201);
      expect(created.json.key).toMatch(/^op_/);
      const api = new Client(srv.url, { bearer: created.json.key, origin: null });
      expect((await api.get('/api/v1/me')).json.email).toBe(ADMIN_EMAIL);
      const list = await admin.get('/api/v1/me/api-keys');
      expect(JSON.stringify(list.json)).not.toContain(created.json.key);
      expect((await admin.delete(`/api/v1/me/api-keys/${created.json.id}`)).status).toBe(204);
      await new Promise((r) => setTimeout(r, 50));
      expect((await api.get('/api/v1/me')).status).toBe(401);
    });
  });

  describe('surface', () => {
    it('serves an OpenAPI document generated from the schemas', async () => {
      const r = await new Client(srv.url).get('/api/v1/openapi.json');
      expect(r.status).toBe(200);
      expect(r.json.openapi).toBe('3.1.0');
      const createUser = r.json.paths['/api/v1/admin/users'].post;
      expect(createUser.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['email', 'name', 'roles']));
      expect(createUser['x-permission']).toBe('users.manage');
      expect(r.json.paths['/api/auth/login'].post.responses['423']).toBeDefined();
    });

    it('sets security headers on API responses and on the app shell', async () => {
      const api = await new Client(srv.url).get('/api/health');
      expect(api.headers.get('x-content-type-options')).toBe('nosniff');
      expect(api.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(api.headers.get('referrer-policy')).toBeTruthy();
      const shell = await fetch(srv.url + '/');
      expect(shell.status).toBe(200);
      expect(shell.headers.get('x-frame-options')).toBe('DENY');
      expect(shell.headers.get('x-content-type-options')).toBe('nosniff');
      expect(shell.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    });

    it('opens /ws only for an authenticated same-origin client', async () => {
      const wsUrl = srv.url.replace('http', 'ws') + '/ws';
      const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const hello = await new Promise<any>((resolve, reject) => {
        const ws = new WebSocket(wsUrl, { headers: { cookie, origin: srv.url } });
        ws.on('message', (m) => {
          resolve(JSON.parse(String(m)));
          ws.close();
        });
        ws.on('error', reject);
      });
      expect(hello.type).toBe('hello');
      const status = (headers: Record<string, string>) =>
        new Promise<number>((resolve) => {
          const ws = new WebSocket(wsUrl, { headers });
          ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          ws.on('open', () => resolve(101));
          ws.on('error', () => {});
        });
      expect(await status({})).toBe(401);
      expect(await status({ cookie, origin: 'http://evil.example' })).toBe(403);
    });
  });

  it('never writes passwords or tokens to its logs', async () => {
    const c = new Client(srv.url);
    const r = await c.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    await c.post('/api/auth/login', { email: ADMIN_EMAIL, password: 'a wrong secret passphrase' });
    const logs = srv.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [ADMIN_PASSWORD, 'a wrong secret passphrase', r.json.accessToken, c.cookies.get('outpost_rt')!, TEST_SECRET]) {
      expect(logs).not.toContain(secret);
    }
  });

  // Last: these change limits that the rest of the file relies on.
  describe('lockout and rate limits', () => {
    it('locks an account after N failures (423) and unlocks after the configured time', async () => {
      const s = await admin.patch('/api/v1/admin/settings', { 'auth.lockout': { threshold: 3, seconds: 2 } });
      expect(s.status).toBe(200);
      const u = await newUser(['agent']);
      const c = new Client(srv.url);
      expect((await c.post('/api/auth/login', { email: u.email, password: 'wrong one 1' })).status).toBe(401);
      expect((await c.post('/api/auth/login', { email: u.email, password: 'wrong one 2' })).status).toBe(401);
      const third = await c.post('/api/auth/login', { email: u.email, password: 'wrong one 3' });
      expect(third.status).toBe(423);
      expect(third.json.error.code).toBe('locked');
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      const whileLocked = await c.post('/api/auth/login', { email: u.email, password: u.password });
      expect(whileLocked.status).toBe(423);
      await new Promise((r) => setTimeout(r, 2200));
      expect((await c.post('/api/auth/login', { email: u.email, password: u.password })).status).toBe(200);
      const audit = await admin.get(`/api/v1/admin/audit?entityId=${u.id}&action=auth.locked`);
      expect(audit.json.items).toHaveLength(1);
    });

    it('limits attempts per account and per IP with 429 and Retry-After', async () => {
      const s = await admin.patch('/api/v1/admin/settings', { 'auth.loginRateLimit': { perIpPerMinute: 1000, perAccountPerMinute: 3 }, 'auth.lockout': { threshold: 100, seconds: 60 } });
      expect(s.status).toBe(200);
      const u = await newUser(['agent']);
      const c = new Client(srv.url);
      for (let i = 0; i < 3; i++) expect((await c.post('/api/auth/login', { email: u.email, password: `wrong ${i}` })).status).toBe(401);
      const limited = await c.post('/api/auth/login', { email: u.email, password: u.password });
      expect(limited.status).toBe(429);
      expect(limited.json.error.code).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

      await admin.patch('/api/v1/admin/settings', { 'auth.loginRateLimit': { perIpPerMinute: 5, perAccountPerMinute: 100 } });
      // Every login attempt of this file from 127.0.0.1 counts towards the per-IP window.
      const ipLimited = await c.post('/api/auth/login', { email: 'ip-limit@example.test', password: 'whatever123' });
      expect(ipLimited.status).toBe(429);
      expect(ipLimited.json.error.message).toMatch(/from this address/);
      // A correct password does not get through either while the address is over the limit.
      expect((await new Client(srv.url).post('/api/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).status).toBe(429);
    });

    it('rejects invalid settings naming the key', async () => {
      const r = await admin.patch('/api/v1/admin/settings', { 'auth.lockout': { threshold: 0, seconds: 10 }, 'no.such': 1 });
      expect(r.status).toBe(400);
      const fields = r.json.error.fields.map((f: { field: string }) => f.field);
      expect(fields).toEqual(expect.arrayContaining(['auth.lockout.threshold', 'no.such']));
    });
  });
});
