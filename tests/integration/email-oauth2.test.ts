// OAuth2 sign-in to a real mail server: the test dovecot (.ci/services.sh) accepts XOAUTH2 /
// OAUTHBEARER through its oauth2 passdb, which validates each bearer token by RFC 7662 token
// introspection against the authorization server started here (tests/support/oauth2-server.ts,
// on the port dovecot's config names). An IMAP mailbox configured with an access token imports
// mail; a wrong or an expired token makes "test connection" report dovecot's own refusal, and the
// authorization server saw dovecot ask about exactly those tokens.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { ImapFlow } from 'imapflow';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, type RunningServer } from '../support/server';
import type { Backend } from '../support/backends';
import { requireServices } from '../support/backends';
import { deliver, dovecot, folderCount, message, waitFor } from '../support/email';
import { dovecotIntrospection, startOAuth2Server, type OAuth2Server } from '../support/oauth2-server';

const backends = inject('backends') as Backend[];
const svc = dovecot();
const introspection = svc.ok ? dovecotIntrospection(svc.d.conf) : null;
if (introspection && !introspection.ok && requireServices) throw new Error(`OUTPOST_REQUIRE_SERVICES=1 but ${introspection.reason}`);
const skip = !svc.ok ? svc.reason : introspection && !introspection.ok ? introspection.reason : null;
const ENV = { OUTPOST_EMAIL_KEY: 'e'.repeat(64) };
const FOLDER = 'OAuth';
const DONE = 'OAuthDone';


describe.skipIf(!!skip)('email: OAuth2 sign-in to dovecot (token introspection)', () => {
  if (skip || !svc.ok || !introspection?.ok) {
    it.skip(`skipped: ${skip}`, () => {});
    return;
  }
  const d = svc.d;
  const intro = introspection;
  let auth: OAuth2Server;

  beforeAll(async () => {
    auth = await startOAuth2Server({ port: intro.port, clients: { [intro.clientId]: intro.clientSecret } });
    // Folders of their own: the other dovecot tests use INBOX, Archive and Load at the same time.
    const token = auth.issue(d.user);
    const c = new ImapFlow({ host: d.host, port: d.imapPort, secure: false, doSTARTTLS: false, auth: { user: d.user, accessToken: token }, logger: false });
    c.on('error', () => {});
    await c.connect();
    const have = new Set((await c.list()).map((b) => b.path));
    for (const f of [FOLDER, DONE]) {
      if (!have.has(f)) await c.mailboxCreate(f);
      const box = await c.mailboxOpen(f);
      if (box.exists) await c.messageDelete('1:*');
    }
    await c.logout();
  });
  afterAll(async () => {
    await auth?.close();
  });

  it('the authorization server answers RFC 7662 introspection, and only to dovecot’s client credentials', async () => {
    const token = auth.issue('alice', { expiresIn: 600 });
    const ask = (basic: string | null, body: string) =>
      fetch(`${auth.url}/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(basic ? { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {}) }, body });
    const ok = await ask(`${intro.clientId}:${intro.clientSecret}`, `token=${encodeURIComponent(token)}&token_type_hint=access_token`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ active: true, username: 'alice', token_type: 'Bearer', scope: 'mail' });
    expect(await (await ask(`${intro.clientId}:${intro.clientSecret}`, 'token=not-a-token')).json()).toEqual({ active: false });
    const noClient = await ask(null, `token=${encodeURIComponent(token)}`);
    expect(noClient.status).toBe(401);
    expect((await ask(`${intro.clientId}:wrong`, `token=${encodeURIComponent(token)}`)).status).toBe(401);
  });

  describe.each(backends)('on %s', (backend) => {
    let srv: RunningServer;
    let admin: Client;
    const create = async (body: Record<string, unknown>) => {
      await admin.get('/api/health').catch(() => undefined);
      const r = await admin.post('/api/v1/admin/email/mailboxes', { host: d.host, port: d.imapPort, kind: 'imap', auth_method: 'oauth2', username: d.user, folder: FOLDER, poll_interval_seconds: 60, verify_tls: false, use_idle: false, ...body });
      expect(r.status, r.text).toBe(201);
      return r.json.id as string;
    };

    beforeAll(async () => {
      srv = await startServer(backend, ENV);
      admin = new Client(srv.url);
      await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    });
    afterAll(async () => {
      await srv?.stop();
    });

    it('an IMAP mailbox signed in with an OAuth2 access token imports mail from dovecot (plain and STARTTLS)', async () => {
      const tag = `oauth${backend}${Date.now().toString(36)}`;
      deliver(d, d.user, [1, 2].map((i) => message({ from: `${tag}${i}@customer.example`, subject: `${tag} message ${i}`, body: `signed in with a bearer token ${i}` })), FOLDER);
      const token = auth.issue(d.user);
      const plain = await create({ name: 'OAuth2 IMAP plain', security: 'none', secret: token });
      const test = await admin.post(`/api/v1/admin/email/mailboxes/${plain}/test`);
      expect(test.json, test.text).toMatchObject({ ok: true, detail: { messages: 2 } });
      expect(auth.introspections.filter((x) => x.token === token && x.active && x.authenticated).length).toBeGreaterThan(0);

      const tlsToken = auth.issue(d.user);
      const id = await create({ name: 'OAuth2 IMAP STARTTLS', security: 'starttls', secret: tlsToken, processed_folder: DONE, enabled: true });
      const tickets = async () => ((await admin.get(`/api/v1/tickets?q=${tag}&limit=50`)).json?.items ?? []) as { subject: string }[];
      await waitFor('two tickets imported over OAuth2', async () => (await tickets()).length === 2, 30_000);
      expect((await tickets()).map((t) => t.subject).sort()).toEqual([`${tag} message 1`, `${tag} message 2`]);
      await waitFor(`${FOLDER} moved to ${DONE}`, async () => (await folderCount(d, d.user, d.password, FOLDER)) === 0, 15_000, 200);
      const row = (await admin.get('/api/v1/admin/email/mailboxes')).json.items.find((m: any) => m.id === id);
      expect(row.last_error).toBeNull();
      expect(auth.introspections.some((x) => x.token === tlsToken && x.active)).toBe(true);
      expect((await admin.patch(`/api/v1/admin/email/mailboxes/${id}`, { enabled: false })).status).toBe(200);
    });

    it("a wrong or an expired token: test connection reports dovecot's refusal", async () => {
      const wrongToken = `wrong-${Date.now()}`;
      const wrong = await create({ name: 'OAuth2 wrong token', security: 'starttls', secret: wrongToken });
      const r1 = await admin.post(`/api/v1/admin/email/mailboxes/${wrong}/test`);
      expect(r1.json.ok).toBe(false);
      expect(r1.json.error).toMatch(/AUTHENTICATIONFAILED|Authentication failed/i);
      // dovecot really asked the authorization server, which said the token is not active.
      expect(auth.introspections.some((x) => x.token === wrongToken && x.authenticated && !x.active)).toBe(true);

      const expiredToken = auth.issue(d.user, { expiresIn: -60 });
      const expired = await create({ name: 'OAuth2 expired token', security: 'none', secret: expiredToken });
      const r2 = await admin.post(`/api/v1/admin/email/mailboxes/${expired}/test`);
      expect(r2.json.ok).toBe(false);
      expect(r2.json.error).toMatch(/AUTHENTICATIONFAILED|Authentication failed/i);
      expect(auth.introspections.some((x) => x.token === expiredToken && x.authenticated && !x.active)).toBe(true);

      // The same mailbox signs in again once it is given a fresh token.
      const fresh = auth.issue(d.user);
      expect((await admin.patch(`/api/v1/admin/email/mailboxes/${expired}`, { secret: fresh })).status).toBe(200);
      expect((await admin.post(`/api/v1/admin/email/mailboxes/${expired}/test`)).json).toMatchObject({ ok: true });
    });
  });
});
