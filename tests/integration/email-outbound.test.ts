// Outbound mail end to end, on PGlite and PostgreSQL: the real app sends through a real SMTP
// receiver (smtp-server in this process, the "relay") with nodemailer; mail arrives at the app
// through its own inbound SMTP server. Checked: the acknowledgement, an agent reply and the
// resolution mail thread (Message-ID / In-Reply-To / References / signed Reply-To), a requester's
// reply to our mail threads back into the same ticket, the signed thread page (public comments
// only, reply, forged/expired links, rate limit), failed deliveries in the admin view with retry
// and discard, and a real password-reset email whose link resets the password.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { uuidv7 } from 'uuidv7';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, TEST_SECRET, type RunningServer } from '../support/server';
import type { Backend } from '../support/backends';
import { inspect } from '../support/email';
import { RequesterLinks } from '../../src/lib/server/email/requester-link';

const backends = inject('backends') as Backend[];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The receiving MTA: keeps every message; refuses recipients on the `refuse` list with 550. */
async function receiver() {
  const got: { rcpt: string[]; mail: ParsedMail; raw: Buffer }[] = [];
  const refuse = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(a, _s, cb) {
      cb(refuse.has(a.address.toLowerCase()) ? Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 }) : null);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        void simpleParser(raw).then((mail) => {
          got.push({ rcpt: session.envelope.rcptTo.map((r) => r.address), mail, raw });
          cb();
        }, cb);
      });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    got,
    refuse,
    async waitFor(pred: (m: ParsedMail, rcpt: string[]) => boolean, what: string, ms = 20_000) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const m = got.find((g) => pred(g.mail, g.rcpt));
        if (m) return m.mail;
        await sleep(50);
      }
      throw new Error(`no mail ${what} within ${ms} ms; got: ${got.map((g) => `${g.rcpt.join(',')} "${g.mail.subject}"`).join('; ')}`);
    },
    close: () => new Promise<void>((r) => server.close(() => r()))
  };
}

const smtpPort = (srv: RunningServer) => {
  for (const l of srv.logs.join('').split('\n')) if (l.includes('inbound SMTP listening')) return JSON.parse(l).port as number;
  throw new Error('inbound SMTP server did not start');
};
const header = (m: ParsedMail, k: string) => {
  const v = m.headers.get(k);
  return typeof v === 'string' ? v : Array.isArray(v) ? v.join(' ') : v ? String((v as { value?: string }).value ?? v) : undefined;
};
const ids = (v: string | string[] | undefined) => (Array.isArray(v) ? v : v ? v.split(/\s+/) : []).filter(Boolean);
const tokenOf = (m: ParsedMail) => /\/r\/([A-Za-z0-9._-]+)/.exec(m.text ?? '')?.[1];

describe.each(backends)('outbound email on %s', (backend) => {
  let srv: RunningServer;
  let rx: Awaited<ReturnType<typeof receiver>>;
  let admin: Client;
  let inPort: number;
  const ENV = () => ({ OUTPOST_SMTP_PORT: '0', OUTPOST_SMTP_HOST: '127.0.0.1', OUTPOST_JOBS_POLL_SECONDS: '0.5' });
  const send = (mail: SendMailOptions) => nodemailer.createTransport({ host: '127.0.0.1', port: inPort, secure: false, ignoreTLS: true }).sendMail(mail);
  const mutate = (name: string, args: unknown) => admin.post('/api/sync/mutations', { clientId: uuidv7(), mutations: [{ id: uuidv7(), name, args, clientTime: new Date().toISOString() }] });
  const state: { ticketId?: string; number?: number; ack?: ParsedMail; reply?: ParsedMail; token?: string; relayId?: string } = {};

  beforeAll(async () => {
    rx = await receiver();
    srv = await startServer(backend, ENV());
    inPort = smtpPort(srv);
    admin = new Client(srv.url);
    await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const r = await admin.post('/api/v1/admin/email/mailboxes', { name: 'Relay', kind: 'smtp', address: 'support@help.example.com', display_name: 'Help Desk', host: '127.0.0.1', port: rx.port, security: 'none', auth_method: 'none', is_default: true });
    expect(r.status, r.text).toBe(201);
    state.relayId = r.json.id;
  });
  afterAll(async () => {
    await srv?.stop();
    await rx?.close();
  });

  it('acknowledges a ticket created from email, threaded to the request, with the signed reply address', async () => {
    await send({ from: 'Nia Patel <nia.patel@customer.example>', to: 'support@help.example.com', subject: 'VPN drops every hour', text: 'The VPN disconnects every hour on the hour.', messageId: '<vpn-1@customer.example>' });
    const ack = await rx.waitFor((m) => m.inReplyTo === '<vpn-1@customer.example>', 'acknowledging <vpn-1@customer.example>');
    expect(ack.to && 'value' in ack.to ? ack.to.value[0].address : null).toBe('nia.patel@customer.example');
    expect(ack.messageId).toMatch(/^<outpost\.[0-9a-f-]{36}@help\.example\.com>$/);
    expect(ids(ack.references)).toEqual(['<vpn-1@customer.example>']);
    const m = /^Re: \[#(\d+)\] VPN drops every hour$/.exec(ack.subject ?? '');
    expect(m, ack.subject).toBeTruthy();
    state.number = Number(m![1]);
    const replyTo = ack.replyTo && 'value' in ack.replyTo ? ack.replyTo.value[0].address : '';
    expect(replyTo).toMatch(new RegExp(`^support\\+t${state.number}\\.[0-9a-f]{20}@help\\.example\\.com$`));
    expect(header(ack, 'auto-submitted')).toBe('auto-replied');
    expect(header(ack, 'x-loop')).toMatch(/^outpost-[0-9a-f]{12}$/);
    expect(ack.html).toContain(`#${state.number}`);
    expect(ack.text).toContain('-- Reply above this line --');
    state.token = tokenOf(ack);
    expect(state.token).toBeTruthy();
    state.ack = ack;
    const list = await admin.get(`/api/v1/tickets?q=${encodeURIComponent('VPN drops')}`);
    state.ticketId = (list.json.items as { id: string; number: number }[]).find((t) => t.number === state.number)?.id;
    expect(state.ticketId, list.text).toBeTruthy();
  });

  it('sends an agent’s public reply (not an internal note) with References chaining the thread', async () => {
    const note = await mutate('comment.add', { id: uuidv7(), ticket_id: state.ticketId, body: 'INTERNAL: user is on the old client', internal: true });
    expect(note.status, note.text).toBe(200);
    const r = await mutate('comment.add', { id: uuidv7(), ticket_id: state.ticketId, body: 'Please update the VPN client to 5.2 and tell us if it still drops.' });
    expect(r.status, r.text).toBe(200);
    expect(r.json.results[0].status, r.text).toBe('applied');
    const reply = await rx.waitFor((m) => (m.text ?? '').includes('update the VPN client'), 'with the agent reply');
    expect(reply.inReplyTo).toBe(state.ack!.messageId);
    expect(ids(reply.references)).toEqual(['<vpn-1@customer.example>', state.ack!.messageId]);
    expect(reply.subject).toBe(`Re: [#${state.number}] VPN drops every hour`);
    expect(header(reply, 'auto-submitted')).toBeUndefined();
    expect(rx.got.some((g) => (g.mail.text ?? '').includes('INTERNAL'))).toBe(false);
    // One mail for the reply, not a second "new reply" notification mail.
    await sleep(1500);
    expect(rx.got.filter((g) => g.rcpt.includes('nia.patel@customer.example') && g.mail.subject?.startsWith('New reply'))).toHaveLength(0);
    state.reply = reply;
  });

  it('threads the requester’s reply to our mail back into the same ticket through the intake', async () => {
    const to = state.reply!.replyTo && 'value' in state.reply!.replyTo ? state.reply!.replyTo.value[0].address! : '';
    const quoted = (state.reply!.text ?? '').split('\n').map((l) => `> ${l}`).join('\n');
    await send({
      from: 'Nia Patel <nia.patel@customer.example>',
      to,
      subject: `Re: ${state.reply!.subject}`,
      text: `Updated, it still drops at 14:00.\n\nOn Tue, 3 Mar 2026 at 10:12, Help Desk <support@help.example.com> wrote:\n${quoted}`,
      messageId: '<vpn-2@customer.example>',
      inReplyTo: state.reply!.messageId,
      references: [...ids(state.reply!.references), state.reply!.messageId!]
    });
    let comments: { body: string; author_type?: string }[] = [];
    for (let i = 0; i < 100 && !comments.some((c) => c.body.includes('still drops at 14:00')); i++) {
      await sleep(100);
      comments = (await admin.get(`/api/v1/tickets/${state.ticketId}`)).json?.comments ?? [];
    }
    const c = comments.find((x) => x.body.includes('still drops at 14:00'));
    expect(c, JSON.stringify(comments)).toBeTruthy();
    expect(c!.body).not.toContain('update the VPN client');
  });

  it('a reply-to domain on the relay: mail carries support+t…@that domain, and a reply to it without any thread headers lands in the ticket', async () => {
    const bad = await admin.patch(`/api/v1/admin/email/mailboxes/${state.relayId}`, { reply_domain: 'not a domain' });
    expect(bad.status, bad.text).toBe(400);
    expect(bad.text).toContain('reply_domain');
    const ok = await admin.patch(`/api/v1/admin/email/mailboxes/${state.relayId}`, { reply_domain: 'Reply.Help.Example.com' });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.reply_domain).toBe('reply.help.example.com');
    try {
      const r = await mutate('comment.add', { id: uuidv7(), ticket_id: state.ticketId, body: 'Could you send us the VPN client log from today?' });
      expect(r.json.results[0].status, r.text).toBe('applied');
      const mail = await rx.waitFor((m) => (m.text ?? '').includes('VPN client log from today'), 'with the reply-domain address');
      const to = mail.replyTo && 'value' in mail.replyTo ? mail.replyTo.value[0].address! : '';
      expect(to).toMatch(new RegExp(`^support\\+t${state.number}\\.[0-9a-f]{20}@reply\\.help\\.example\\.com$`));
      // The inbound SMTP server takes mail for the reply domain, and the signed address threads it.
      await send({ from: 'Nia Patel <nia.patel@customer.example>', to, subject: 'the log', text: 'Log attached in the next mail, sorry.', messageId: '<vpn-log-1@customer.example>' });
      let comments: { body: string }[] = [];
      for (let i = 0; i < 100 && !comments.some((c) => c.body.includes('Log attached in the next mail')); i++) {
        await sleep(100);
        comments = (await admin.get(`/api/v1/tickets/${state.ticketId}`)).json?.comments ?? [];
      }
      expect(comments.some((c) => c.body.includes('Log attached in the next mail')), JSON.stringify(comments)).toBe(true);
    } finally {
      const back = await admin.patch(`/api/v1/admin/email/mailboxes/${state.relayId}`, { reply_domain: null });
      expect(back.json.reply_domain).toBeNull();
    }
  });

  it('the signed link shows the public thread only and takes a reply as a public comment', async () => {
    const anon = new Client(srv.url);
    const v = await anon.get(`/api/v1/requester-links/${state.token}`);
    expect(v.status, v.text).toBe(200);
    expect(v.json).toMatchObject({ ticket_number: state.number, subject: 'VPN drops every hour', can_reply: true });
    const bodies = (v.json.comments as { body: string }[]).map((c) => c.body).join('\n');
    expect(bodies).toContain('update the VPN client');
    expect(bodies).toContain('still drops at 14:00');
    expect(bodies).not.toContain('INTERNAL');
    const page = await anon.get(`/r/${state.token}`);
    expect(page.status).toBe(200);

    const r = await anon.post(`/api/v1/requester-links/${state.token}/replies`, { body: 'Replying from the link: attached logs tomorrow.' });
    expect(r.status, r.text).toBe(201);
    const t = (await admin.get(`/api/v1/tickets/${state.ticketId}`)).json;
    const mine = (t.comments as { id: string; body: string; internal: boolean; author_id: string }[]).find((c) => c.id === r.json.id);
    expect(mine).toMatchObject({ body: 'Replying from the link: attached logs tomorrow.', internal: false, author_id: t.requester_id });

    expect((await anon.post(`/api/v1/requester-links/${state.token}/replies`, { body: '' })).json.error.fields[0].field).toBe('body');
    const forged = state.token!.slice(0, -4) + (state.token!.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const f = await anon.get(`/api/v1/requester-links/${forged}`);
    expect(f.status).toBe(404);
    expect(f.json.error.message).toMatch(/not valid/);
    const [ticketId, userId] = state.token!.split('.');
    const expired = new RequesterLinks(TEST_SECRET).sign(ticketId, userId, new Date(Date.now() - 60_000));
    const e = await anon.get(`/api/v1/requester-links/${expired}`);
    expect(e.status).toBe(404);
    expect(e.json.error.message).toMatch(/expired/);
    // A link for someone who is not the requester is refused.
    const other = new RequesterLinks(TEST_SECRET).sign(ticketId, uuidv7());
    expect((await anon.get(`/api/v1/requester-links/${other}`)).status).toBe(404);
    // Replies are rate limited per link (5 a minute; one used above).
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await anon.post(`/api/v1/requester-links/${state.token}/replies`, { body: `burst ${i}` })).status);
    expect(codes.slice(0, 4)).toEqual([201, 201, 201, 201]);
    expect(codes[4]).toBe(429);
  });

  it('mails the resolution and the satisfaction survey, threaded', async () => {
    expect((await admin.patch(`/api/v1/tickets/${state.ticketId}`, { status: 'in_progress' })).status).toBe(200);
    const r = await admin.patch(`/api/v1/tickets/${state.ticketId}`, { status: 'resolved', resolution_code: 'solved', resolution_notes: 'Client 5.2 plus a new gateway profile.' });
    expect(r.status, r.text).toBe(200);
    const resolved = await rx.waitFor((m) => m.subject === `Re: [#${state.number}] VPN drops every hour` && (m.text ?? '').includes('We have resolved'), 'announcing the resolution');
    expect(resolved.text).toContain('new gateway profile');
    expect(ids(resolved.references)[0]).toBe('<vpn-1@customer.example>');
    expect(ids(resolved.references)).toContain('<vpn-2@customer.example>');
    const survey = await rx.waitFor((m) => /\/survey\/[A-Za-z0-9._-]+/.test(m.text ?? ''), 'with the survey link');
    expect(survey.inReplyTo).toBeTruthy();
  });

  it('lists failed deliveries with the relay’s error; retry sends the stored message, discard gives up', async () => {
    rx.refuse.add('gone1@customer.example');
    rx.refuse.add('gone2@customer.example');
    await send({ from: 'gone1@customer.example', to: 'support@help.example.com', subject: 'Printer offline', text: 'x', messageId: '<gone-1@customer.example>' });
    await send({ from: 'gone2@customer.example', to: 'support@help.example.com', subject: 'Scanner offline', text: 'y', messageId: '<gone-2@customer.example>' });
    let items: { id: string; to: string[]; error: string; attempts: number; retrying_at: string | null; subject: string }[] = [];
    for (let i = 0; i < 200 && items.length < 2; i++) {
      await sleep(100);
      items = (await admin.get('/api/v1/admin/email/outbound')).json.items;
    }
    expect(items.map((i) => i.to[0]).sort()).toEqual(['gone1@customer.example', 'gone2@customer.example']);
    for (const i of items) {
      expect(i.error).toMatch(/550/);
      expect(i.retrying_at).toBeNull(); // permanent: no automatic retry
    }
    const one = items.find((i) => i.to[0] === 'gone1@customer.example')!;
    const two = items.find((i) => i.to[0] === 'gone2@customer.example')!;
    rx.refuse.delete('gone1@customer.example');
    const retried = await admin.post(`/api/v1/admin/email/outbound/${one.id}/retry`);
    expect(retried.json).toEqual({ id: one.id, status: 'queued' });
    const arrived = await rx.waitFor((m, rcpt) => rcpt.includes('gone1@customer.example'), 'to gone1 after the retry');
    expect(arrived.subject).toBe(one.subject);
    expect((await admin.post(`/api/v1/admin/email/outbound/${two.id}/discard`)).json).toEqual({ id: two.id, status: 'discarded' });
    expect((await admin.post(`/api/v1/admin/email/outbound/${two.id}/discard`)).status).toBe(409);
    expect((await admin.post(`/api/v1/admin/email/outbound/${uuidv7()}/retry`)).status).toBe(404);
    expect((await admin.post(`/api/v1/admin/email/outbound/not-an-id/retry`)).status).toBe(400);
    const left = (await admin.get('/api/v1/admin/email/outbound')).json.items as { id: string }[];
    expect(left.map((i) => i.id)).not.toContain(one.id);
    expect(left.map((i) => i.id)).not.toContain(two.id);
    expect((await new Client(srv.url).get('/api/v1/admin/email/outbound')).status).toBe(401);
  });

  it('sends a real password-reset email whose link resets the password; the sent body is wiped', async () => {
    const r = await new Client(srv.url).post('/api/auth/forgot-password', { email: ADMIN_EMAIL });
    expect(r.status, r.text).toBeLessThan(300);
    const mail = await rx.waitFor((m, rcpt) => rcpt.includes(ADMIN_EMAIL) && /reset-password\?token=/.test(m.text ?? ''), 'with the reset link');
    const token = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(mail.text!)![1];
    const next = 'a brand new passphrase 2026';
    const done = await new Client(srv.url).post('/api/auth/password-reset', { token, password: next });
    expect(done.status, done.text).toBeLessThan(300);
    const again = new Client(srv.url);
    await again.login(ADMIN_EMAIL, next);
    srv = await inspect(
      srv,
      async (q) => {
        const rows = await q(`select status, body_text, body_html, message_id from email_messages where direction = 'out' and template = 'auth.password_reset'`);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ status: 'sent', body_text: null, body_html: null });
        // Every mail the receiver got is one row, sent once (no duplicate deliveries).
        const sent = await q(`select message_id from email_messages where direction = 'out' and status = 'sent'`);
        const got = rx.got.map((g) => g.mail.messageId!.replace(/[<>]/g, ''));
        expect(new Set(got).size).toBe(got.length);
        expect(sent.map((s) => s.message_id).sort()).toEqual([...got].sort());
      },
      ENV()
    );
  });
});
