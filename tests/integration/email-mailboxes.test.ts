// Mailbox intake against a real dovecot (IMAP and POP3, plain and STARTTLS), on PGlite and
// PostgreSQL: "test connection" reports the server's own error, IMAP IDLE brings a message in
// well before the poll interval, archive after import, POP3 by UIDL with delete after import,
// and exactly once across a crash: the server is SIGKILLed in the middle of a 300-message batch
// and restarted — every message becomes exactly one ticket.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { ImapFlow } from 'imapflow';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, type RunningServer } from '../support/server';
import type { Backend } from '../support/backends';
import { clearMailbox, deliver, dovecot, folderCount, inspect, message, uidNext, waitFor } from '../support/email';

const backends = inject('backends') as Backend[];
const svc = dovecot();
const ENV = { OUTPOST_EMAIL_KEY: 'd'.repeat(64) };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


describe.skipIf(!svc.ok)('email mailboxes (dovecot)', () => {
  if (!svc.ok) {
    it.skip(`skipped: ${svc.reason}`, () => {});
    return;
  }
  const d = svc.d;

  describe.each(backends)('on %s', (backend) => {
    let srv: RunningServer;
    let admin: Client;
    const mailbox = async (id: string) => (await admin.get('/api/v1/admin/email/mailboxes')).json.items.find((m: any) => m.id === id);
    const create = async (body: Record<string, unknown>) => {
      // A kept-alive connection the server closed while doveadm ran (5 s idle) fails once: retry.
      await admin.get('/api/health').catch(() => undefined);
      const r = await admin.post('/api/v1/admin/email/mailboxes', { host: d.host, poll_interval_seconds: 60, verify_tls: false, ...body });
      expect(r.status, r.text).toBe(201);
      return r.json.id as string;
    };
    const login = async () => {
      admin = new Client(srv.url);
      await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    };

    beforeAll(async () => {
      await clearMailbox(d, d.user, d.password);
      await clearMailbox(d, 'alice', 'alicepw', ['INBOX']);
      const c = new ImapFlow({ host: d.host, port: d.imapPort, secure: false, doSTARTTLS: false, auth: { user: d.user, pass: d.password }, logger: false });
      c.on('error', () => {});
      await c.connect();
      if (!(await c.list()).some((b) => b.path === 'Load')) await c.mailboxCreate('Load');
      const load = await c.mailboxOpen('Load');
      if (load.exists) await c.messageDelete('1:*');
      await c.logout();
      srv = await startServer(backend, ENV);
      await login();
    });
    afterAll(async () => {
      if (process.env.EMAIL_TEST_LOG) (await import('node:fs')).writeFileSync(process.env.EMAIL_TEST_LOG, srv?.logs.join('') ?? '');
      await srv?.stop();
    });

    it("test connection reports the server's real error, and succeeds over plain, STARTTLS and POP3", async () => {
      const wrong = await create({ name: 'Wrong password', kind: 'imap', port: d.imapPort, security: 'starttls', username: d.user, secret: 'not-the-password' });
      const r1 = await admin.post(`/api/v1/admin/email/mailboxes/${wrong}/test`);
      expect(r1.json.ok).toBe(false);
      expect(r1.json.error).toMatch(/AUTHENTICATIONFAILED|Authentication failed/i);
      const tls = await create({ name: 'IMAP STARTTLS', kind: 'imap', port: d.imapPort, security: 'starttls', username: d.user, secret: d.password });
      expect((await admin.post(`/api/v1/admin/email/mailboxes/${tls}/test`)).json).toMatchObject({ ok: true });
      const strict = await create({ name: 'IMAP STARTTLS verified', kind: 'imap', port: d.imapPort, security: 'starttls', username: d.user, secret: d.password, verify_tls: true });
      const r2 = await admin.post(`/api/v1/admin/email/mailboxes/${strict}/test`);
      expect(r2.json.ok).toBe(false);
      expect(r2.json.error).toMatch(/self[- ]signed|certificate/i);
      const plain = await create({ name: 'IMAP plain', kind: 'imap', port: d.imapPort, security: 'none', username: d.user, secret: d.password });
      expect((await admin.post(`/api/v1/admin/email/mailboxes/${plain}/test`)).json).toMatchObject({ ok: true });
      const pop = await create({ name: 'POP3 STARTTLS', kind: 'pop3', port: d.pop3Port, security: 'starttls', username: d.user, secret: d.password });
      expect((await admin.post(`/api/v1/admin/email/mailboxes/${pop}/test`)).json).toMatchObject({ ok: true });
      const popWrong = await create({ name: 'POP3 wrong', kind: 'pop3', port: d.pop3Port, security: 'none', username: d.user, secret: 'nope' });
      const r3 = await admin.post(`/api/v1/admin/email/mailboxes/${popWrong}/test`);
      expect(r3.json.ok).toBe(false);
      expect(r3.json.error).toMatch(/-ERR/);
      const closed = await create({ name: 'Nothing listening', kind: 'imap', port: 4999, security: 'none', username: d.user, secret: 'x' });
      expect((await admin.post(`/api/v1/admin/email/mailboxes/${closed}/test`)).json.error).toMatch(/ECONNREFUSED/);
    });

    it('IMAP over STARTTLS: IDLE brings mail in well before the poll interval, then archives it', async () => {
      const id = await create({ name: 'Helpdesk IMAP', kind: 'imap', port: d.imapPort, security: 'starttls', username: d.user, secret: d.password, processed_folder: 'Archive', enabled: true });
      await waitFor('the first poll', async () => (await mailbox(id))?.last_success_at);
      await sleep(300); // the worker is now IDLE
      const base = (await uidNext(d, d.user, d.password, 'INBOX')) - 1;
      const t0 = Date.now();
      deliver(d, d.user, [1, 2, 3].map((i) => message({ from: `idle${i}@customer.example`, subject: `IDLE arrival ${i}`, body: `message ${i}` })));
      await waitFor('3 messages imported', async () => Number((await mailbox(id))?.last_uid ?? 0) >= base + 3, 30_000, 50);
      const ms = Date.now() - t0;
      expect(ms).toBeLessThan(10_000); // the poll interval is 60 s
      await waitFor('INBOX archived', async () => (await folderCount(d, d.user, d.password, 'INBOX')) === 0 && (await folderCount(d, d.user, d.password, 'Archive')) === 3, 15_000, 200);
      expect((await admin.patch(`/api/v1/admin/email/mailboxes/${id}`, { enabled: false })).status).toBe(200);
    });

    it('POP3 (plain) imports by UIDL and deletes after import', async () => {
      deliver(d, 'alice', [1, 2].map((i) => message({ from: `pop${i}@customer.example`, subject: `POP3 message ${i}`, body: `pop ${i}` })));
      const id = await create({ name: 'Alice POP3', kind: 'pop3', port: d.pop3Port, security: 'none', username: 'alice', secret: 'alicepw', delete_after_import: true, enabled: true, poll_interval_seconds: 10 });
      await waitFor('POP3 mailbox emptied', async () => (await folderCount(d, 'alice', 'alicepw', 'INBOX')) === 0, 30_000, 200);
      expect((await mailbox(id)).last_error).toBeNull();
      expect((await admin.patch(`/api/v1/admin/email/mailboxes/${id}`, { enabled: false })).status).toBe(200);
    });

    it('POP3 over STARTTLS imports by UIDL, keeping the mail: each message becomes one ticket, later polls import nothing again', async () => {
      const tag = `pop3tls${Date.now().toString(36)}`;
      deliver(d, 'alice', [1, 2].map((i) => message({ from: `${tag}${i}@customer.example`, subject: `${tag} message ${i}`, body: `kept on the server ${i}` })));
      const id = await create({ name: 'Alice POP3 STARTTLS', kind: 'pop3', port: d.pop3Port, security: 'starttls', username: 'alice', secret: 'alicepw', delete_after_import: false, enabled: true, poll_interval_seconds: 10 });
      const tickets = async () => ((await admin.get(`/api/v1/tickets?q=${tag}&limit=50`)).json?.items ?? []) as { subject: string }[];
      await waitFor('two tickets from POP3 over STARTTLS', async () => (await tickets()).length === 2, 30_000, 200);
      const first = (await mailbox(id)).last_polled_at;
      // The next poll (10 s later) sees the same two messages, still on the server, by their UIDL.
      await waitFor('a later poll', async () => (await mailbox(id)).last_polled_at !== first, 30_000, 500);
      expect((await tickets()).map((t) => t.subject).sort()).toEqual([`${tag} message 1`, `${tag} message 2`]);
      expect(await folderCount(d, 'alice', 'alicepw', 'INBOX')).toBe(2);
      expect((await mailbox(id)).last_error).toBeNull();
      expect((await admin.patch(`/api/v1/admin/email/mailboxes/${id}`, { enabled: false })).status).toBe(200);
      await clearMailbox(d, 'alice', 'alicepw', ['INBOX']);
    });

    it('exactly once across a crash: SIGKILL in the middle of a 300-message batch, restart, no message lost or duplicated', async () => {
      const N = 300;
      const base = (await uidNext(d, d.user, d.password, 'Load')) - 1;
      deliver(
        d,
        d.user,
        Array.from({ length: N }, (_, i) => message({ from: `load${i % 7}@customer.example`, subject: `Load ${String(i).padStart(3, '0')}`, body: `load test message ${i}`, messageId: i % 50 === 7 ? null : undefined })),
        'Load'
      );
      const id = await create({ name: 'Load mailbox', kind: 'imap', port: d.imapPort, security: 'none', username: d.user, secret: d.password, folder: 'Load', enabled: true, use_idle: false });
      const before = await waitFor('part of the batch imported', async () => {
        const n = Number((await mailbox(id))?.last_uid ?? 0);
        return n >= base + 40 ? n : undefined;
      }, 120_000, 20);
      process.kill(srv.pid, 'SIGKILL');
      expect(before).toBeLessThan(base + N);
      await srv.stop({ keepData: true });
      srv = await startServer(backend, ENV, { dataDir: srv.dataDir, databaseUrl: srv.databaseUrl });
      await login();
      await waitFor('the whole batch imported after the restart', async () => Number((await mailbox(id))?.last_uid ?? 0) >= base + N, 180_000, 250);
      srv = await inspect(
        srv,
        async (q) => {
          const [m] = await q(`select count(*)::int as n, count(distinct uid)::int as uids, count(distinct message_id)::int as ids, count(*) filter (where status = 'processed')::int as ok from email_messages where mailbox_id = $1`, [id]);
          expect(m).toEqual({ n: N, uids: N, ids: N, ok: N });
          const [t] = await q(`select count(*)::int as n, count(distinct subject)::int as subjects from tickets where subject like 'Load %' and source = 'email'`);
          expect(t).toEqual({ n: N, subjects: N });
          const [idle] = await q(`select count(*)::int as n from tickets where subject like 'IDLE arrival %'`);
          expect(idle.n).toBe(3);
          const [pop] = await q(`select count(*)::int as n from email_messages where uidl is not null and status = 'processed' and subject like 'POP3 message %'`);
          expect(pop.n).toBe(2);
          const [popTls] = await q(`select count(*)::int as n from email_messages where uidl is not null and status = 'processed' and subject like 'pop3tls% message %'`);
          expect(popTls.n).toBe(2);
          const [raw] = await q(`select count(*)::int as n from email_raw_messages r join email_messages m on m.id = r.email_message_id where m.mailbox_id = $1`, [id]);
          expect(raw.n).toBe(N);
        },
        ENV
      );
    });
  });
});
