// Group commit of the inbound SMTP server (EmailIngestService.ingestGrouped), in the real app with
// nodemailer as the sender over several connections at once: messages arriving together commit in
// one transaction; each is answered only after that COMMIT and with its own reply; a message that
// fails inside a batch (an inactive sender, a NUL byte PostgreSQL refuses) neither fails nor loses
// the others; the acknowledgements are delivered to the relay. And exactly once across a SIGKILL in
// the middle of the burst: every message not answered 250 is sent again (as an MTA would, with a
// few answered ones too), and each ends up stored once with one ticket.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, type RunningServer } from '../support/server';
import type { Backend } from '../support/backends';
import { inspect, waitFor } from '../support/email';

const backends = inject('backends') as Backend[];
const ENV = { OUTPOST_SMTP_PORT: '0', OUTPOST_SMTP_HOST: '127.0.0.1' };

const smtpPort = (srv: RunningServer) => {
  for (const l of srv.logs.join('').split('\n')) {
    if (l.includes('inbound SMTP listening')) return JSON.parse(l).port as number;
  }
  throw new Error('inbound SMTP server did not start:\n' + srv.logs.join(''));
};

const raw = (m: { from: string; subject: string; id: string; body?: string }) =>
  [`From: ${m.from}`, 'To: support@help.example.com', `Subject: ${m.subject}`, `Message-ID: <${m.id}>`, `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', m.body ?? `Body of ${m.subject}.`, ''].join('\r\n');

/** Sends every message over `connections` pooled connections at once; the server's reply (or error) per message. */
async function sendAll(port: number, msgs: { from: string; raw: string }[], connections: number) {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: connections, maxMessages: Infinity });
  t.on('error', () => {});
  try {
    return await Promise.all(
      msgs.map((m) =>
        t.sendMail({ envelope: { from: m.from, to: ['support@help.example.com'] }, raw: m.raw }).then(
          (r) => ({ ok: true as const, response: r.response }),
          (e: { responseCode?: number; response?: string; message?: string }) => ({ ok: false as const, code: e.responseCode ?? 0, response: e.response ?? e.message ?? '' })
        )
      )
    );
  } finally {
    t.close();
  }
}

describe.each(backends)('inbound SMTP group commit on %s', (backend) => {
  let srv: RunningServer;
  let port: number;
  let admin: Client;
  const sunk: string[] = [];
  const sink = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _s, cb) {
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => {
        sunk.push(Buffer.concat(parts).toString());
        cb();
      });
    }
  });

  const login = async () => {
    admin = new Client(srv.url);
    await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  };

  // A connection reset by the app when it is killed mid-burst is reported as the server's 'error'
  // event; without a listener that event would be an uncaught exception in the test process.
  sink.on('error', () => {});

  beforeAll(async () => {
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
    const sinkPort = (sink.server.address() as { port: number }).port;
    srv = await startServer(backend, ENV);
    port = smtpPort(srv);
    await login();
    const r = await admin.post('/api/v1/admin/email/mailboxes', { name: 'Relay', kind: 'smtp', address: 'support@help.example.com', host: '127.0.0.1', port: sinkPort, security: 'none', auth_method: 'none', is_default: true });
    expect(r.status, r.text).toBe(201);
  });
  afterAll(async () => {
    await srv?.stop();
    await new Promise<void>((r) => sink.close(() => r()));
  });

  it('commits messages arriving together in one transaction; one bad message neither fails nor loses the others; each gets its own reply', async () => {
    const u = await admin.post('/api/v1/admin/users', { email: 'left@customer.example', name: 'Left Company', roles: ['end_user'], password: 'a long and unusual passphrase' });
    expect(u.status, u.text).toBe(201);
    expect((await admin.patch(`/api/v1/admin/users/${u.json.user.id}`, { status: 'inactive' })).status).toBe(200);

    const N = 40;
    const msgs = Array.from({ length: N }, (_, i) => ({ from: `burst${i % 6}@customer.example`, raw: raw({ from: `Burst Sender <burst${i % 6}@customer.example>`, subject: `Burst ${String(i).padStart(2, '0')}`, id: `burst-${i}@customer.example` }) }));
    // Bad ones in the middle of the burst: an inactive sender (the ticket service refuses them) and
    // a subject with a NUL byte (PostgreSQL refuses the row), plus the same message twice.
    msgs.splice(10, 0, { from: 'left@customer.example', raw: raw({ from: 'left@customer.example', subject: 'Still around?', id: 'burst-inactive@customer.example' }) });
    msgs.splice(20, 0, { from: 'nul@customer.example', raw: raw({ from: 'nul@customer.example', subject: `=?utf-8?B?${Buffer.from('bad\u0000subject').toString('base64')}?=`, id: 'burst-nul@customer.example' }) });
    msgs.splice(30, 0, { ...msgs.find((m) => m.raw.includes('<burst-25@customer.example>'))! });

    const replies = await sendAll(port, msgs, 8);
    const byId = (id: string) => replies[msgs.findIndex((m) => m.raw.includes(`<${id}>`))];
    for (let i = 0; i < N; i++) {
      if (i === 25) continue;
      const r = byId(`burst-${i}@customer.example`);
      expect(r, `burst-${i}`).toEqual({ ok: true, response: expect.stringMatching(/^250 OK: message stored/) });
    }
    // The message sent twice: one stored, the other recognised (in whichever order they committed).
    const twice = replies.filter((_, i) => msgs[i].raw.includes('<burst-25@customer.example>')).map((r) => r.ok && r.response);
    expect(twice.sort()).toEqual([expect.stringMatching(/^250 2\.0\.0 OK: already received/), expect.stringMatching(/^250 OK: message stored/)]);
    expect(byId('burst-inactive@customer.example')).toEqual({ ok: true, response: expect.stringMatching(/^250 2\.0\.0 Accepted for review \(quarantined\)/) });
    expect(byId('burst-nul@customer.example')).toEqual({ ok: true, response: expect.stringMatching(/^250 2\.0\.0 Accepted for review \(quarantined\)/) });

    // Every acknowledgement reaches the relay, answering its own message.
    await waitFor('the acknowledgements at the relay', async () => sunk.length >= N, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(sunk.length).toBe(N);
    for (let i = 0; i < N; i++) expect(sunk.filter((m) => m.includes(`In-Reply-To: <burst-${i}@customer.example>`)).length, `ack of burst-${i}`).toBe(1);

    srv = await inspect(
      srv,
      async (q) => {
        const rows = await q(`select m.message_id, m.status, t.subject from email_messages m left join tickets t on t.id = m.ticket_id where m.direction = 'in' and m.message_id like 'burst-%' order by m.message_id`);
        expect(rows.length).toBe(N + 2);
        const ok = rows.filter((r) => r.status === 'processed');
        expect(ok.length).toBe(N);
        expect(new Set(ok.map((r) => r.subject)).size).toBe(N);
        const bad = rows.filter((r) => r.status === 'failed').map((r) => r.message_id);
        expect(bad.sort()).toEqual(['burst-inactive@customer.example', 'burst-nul@customer.example']);
        const [nul] = await q(`select subject, error from email_messages where message_id = 'burst-nul@customer.example'`);
        expect(nul.subject).toBe('badsubject');
        expect(nul.error).toMatch(/0x00|null character|invalid byte/i);
        const [t] = await q(`select count(*)::int as n, count(distinct xmin::text)::int as txs from tickets where subject like 'Burst %' and source = 'email'`);
        expect(t.n).toBe(N);
        // Group commit happened: fewer transactions than tickets (tickets of one batch share their xmin).
        expect(t.txs).toBeLessThan(N);
        // The ticket service ran for each: history and audit.
        const [h] = await q(`select count(*)::int as n from ticket_history h join tickets t on t.id = h.ticket_id where t.subject like 'Burst %' and h.action = 'created'`);
        expect(h.n).toBe(N);
        const [a] = await q(`select count(*)::int as n from audit_logs where action = 'ticket.create' and entity_id in (select id::text from tickets where subject like 'Burst %')`);
        expect(a.n).toBe(N);
        const [sent] = await q(`select count(*)::int as n from email_messages where direction = 'out' and status = 'sent' and template = 'ticket.received' and in_reply_to like 'burst-%'`);
        expect(sent.n).toBe(N);
      },
      ENV
    );
    await login();
  });

  it.skipIf(backend !== 'postgres')('exactly once across a SIGKILL in the middle of a burst: every message not answered 250 is resent; each is stored once', async () => {
    const N = 240;
    const msgs = Array.from({ length: N }, (_, i) => ({ from: `crash${i % 9}@customer.example`, raw: raw({ from: `crash${i % 9}@customer.example`, subject: `Crash ${String(i).padStart(3, '0')}`, id: `crash-${i}@customer.example` }) }));
    const answered = new Set<number>();
    const t = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: 8, maxMessages: Infinity });
    // The connections die with the server: each pending message fails (not answered 250), nothing more.
    t.on('error', () => {});
    let killed = false;
    const sends = msgs.map((m, i) =>
      t.sendMail({ envelope: { from: m.from, to: ['support@help.example.com'] }, raw: m.raw }).then(
        (r) => {
          if (/^250/.test(r.response)) answered.add(i);
          if (!killed && answered.size >= 60) {
            killed = true;
            process.kill(srv.pid, 'SIGKILL');
          }
        },
        () => {}
      )
    );
    await Promise.all(sends);
    t.close();
    expect(killed).toBe(true);
    expect(answered.size).toBeLessThan(N);
    await srv.stop({ keepData: true });
    srv = await startServer(backend, ENV, { dataDir: srv.dataDir, databaseUrl: srv.databaseUrl });
    port = smtpPort(srv);
    await login();
    // An MTA resends what was not answered 250; a few answered ones come again too (a lost reply).
    const again = msgs.map((m, i) => ({ m, i })).filter(({ i }) => !answered.has(i) || i % 20 === 0);
    const replies = await sendAll(port, again.map(({ m }) => m), 6);
    for (const [k, r] of replies.entries()) expect(r, `resend of crash-${again[k].i}`).toEqual({ ok: true, response: expect.stringMatching(/^250 /) });
    srv = await inspect(
      srv,
      async (q) => {
        const [m] = await q(`select count(*)::int as n, count(distinct message_id)::int as ids, count(*) filter (where status = 'processed')::int as ok from email_messages where direction = 'in' and message_id like 'crash-%'`);
        expect(m).toEqual({ n: N, ids: N, ok: N });
        const [tk] = await q(`select count(*)::int as n, count(distinct subject)::int as subjects from tickets where subject like 'Crash %' and source = 'email'`);
        expect(tk).toEqual({ n: N, subjects: N });
        // Nothing answered 250 before the crash was lost.
        const stored = new Set((await q(`select message_id from email_messages where direction = 'in' and message_id like 'crash-%'`)).map((r) => r.message_id as string));
        for (const i of answered) expect(stored.has(`crash-${i}@customer.example`), `crash-${i}`).toBe(true);
        // One acknowledgement composed per ticket, none twice.
        const [ack] = await q(`select count(*)::int as n, count(distinct in_reply_to)::int as distinct_ids from email_messages where direction = 'out' and template = 'ticket.received' and in_reply_to like 'crash-%'`);
        expect(ack).toEqual({ n: N, distinct_ids: N });
      },
      ENV
    );
  });
});
