// The ingest pipeline end to end through the real server, on PGlite and PostgreSQL: the fixture
// corpus through the webhook (each message's expected outcome), duplicates, threading by our
// Message-ID store / References / signed reply address / subject token, the closed-ticket policy,
// quarantine with the raw message kept, webhook authentication, and the admin API's secrets.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { createHash, createHmac } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, TEST_SECRET, type RunningServer } from '../support/server';
import type { Backend } from '../support/backends';
import { inspect, message } from '../support/email';

const backends = inject('backends') as Backend[];
const dir = path.resolve('tests/fixtures/email');
const { cases } = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as { cases: Record<string, any>[] };
const HOOK_SECRET = 'webhook-shared-secret-7f1c2e9a';
const EMAIL_KEY = 'b'.repeat(64);
const ENV = { OUTPOST_EMAIL_KEY: EMAIL_KEY };

const replyAddress = (n: number) => `support+t${n}.${createHmac('sha256', TEST_SECRET).update(`outpost-reply:${n}`).digest('hex').slice(0, 20)}@help.example.com`;

describe.each(backends)('email ingest on %s', (backend) => {
  let srv: RunningServer;
  let admin: Client;
  let hookId: string;
  const ticketOf: Record<string, string> = {};
  const post = async (raw: string | Buffer, secret: string | null = HOOK_SECRET) => {
    const headers: Record<string, string> = { 'content-type': 'message/rfc822' };
    if (secret !== null) headers['x-outpost-email-secret'] = secret;
    const res = await fetch(`${srv.url}/api/v1/email/inbound`, { method: 'POST', headers, body: typeof raw === 'string' ? raw : new Uint8Array(raw) });
    return { status: res.status, json: await res.json().catch(() => undefined) };
  };

  beforeAll(async () => {
    srv = await startServer(backend, ENV);
    admin = new Client(srv.url);
    await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const relay = await admin.post('/api/v1/admin/email/mailboxes', { name: 'Outbound', kind: 'smtp', address: 'support@help.example.com', host: '127.0.0.1', port: 2525, security: 'none', auth_method: 'none', is_default: true });
    expect(relay.status, relay.text).toBe(201);
    const hook = await admin.post('/api/v1/admin/email/mailboxes', { name: 'Inbound webhook', kind: 'webhook', secret: HOOK_SECRET, enabled: true });
    expect(hook.status, hook.text).toBe(201);
    hookId = hook.json.id;
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('never returns a stored secret, and validates mailbox input naming the field', async () => {
    const list = await admin.get('/api/v1/admin/email/mailboxes');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(HOOK_SECRET);
    expect(list.json.items.find((m: any) => m.id === hookId).has_secret).toBe(true);
    const bad = await admin.post('/api/v1/admin/email/mailboxes', { name: 'x', kind: 'imap', port: 70000 });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields.map((f: any) => f.field).sort()).toEqual(['host', 'port']);
  });

  it('refuses the webhook without the right secret, and an empty body', async () => {
    const raw = fs.readFileSync(path.join(dir, '05-base64.eml'));
    expect((await post(raw, null)).status).toBe(401);
    expect((await post(raw, 'wrong-secret')).status).toBe(401);
    expect((await post('')).status).toBe(400);
  });

  it('ingests the fixture corpus with each expected outcome', async () => {
    for (const c of cases) {
      const r = await post(fs.readFileSync(path.join(dir, c.file)));
      expect(r.status, `${c.file}: ${JSON.stringify(r.json)}`).toBe(200);
      expect(r.json.status, `${c.file}: ${JSON.stringify(r.json)}`).toBe(c.outcome);
      if (c.outcome === 'created') ticketOf[c.file] = r.json.ticket_id;
      if (c.outcome === 'commented') expect(r.json.ticket_id, c.file).toBe(ticketOf[c.ticketOf]);
      if (c.outcome === 'ignored') expect(r.json.reason, c.file).toBeTruthy();
    }
  });

  it('ignores a message seen twice (by Message-ID, and by content hash when it has none)', async () => {
    for (const f of ['01-original-request.eml', '15-no-message-id.eml', '12-dsn-bounce.eml']) {
      const r = await post(fs.readFileSync(path.join(dir, f)));
      expect(r.json.status, f).toBe('duplicate');
    }
  });

  it('threads by signed reply address; refuses a forged tag and a stranger using a subject token', async () => {
    const n = 1000; // the ticket of 01-original-request (first ticket of a fresh database)
    const viaAddress = await post(message({ from: 'Bob Stone <bob.stone@customer.example>', to: replyAddress(n), subject: 'Printer again', body: 'Also on floor 4 now.' }));
    expect(viaAddress.json).toMatchObject({ status: 'commented', ticket_id: ticketOf['01-original-request.eml'] });
    const forged = await post(message({ from: 'mallory@evil.example', to: replyAddress(n).replace(/\.[0-9a-f]+@/, '.0123456789abcdef0123@'), subject: 'hello', body: 'x' }));
    expect(forged.json.status).toBe('created');
    const stranger = await post(message({ from: 'mallory@evil.example', subject: `Re: Printer [#${n}]`, body: 'Injected text' }));
    expect(stranger.json.status).toBe('created');
    expect(stranger.json.ticket_id).not.toBe(ticketOf['01-original-request.eml']);
  });

  it('threads a reply to one of our outbound messages (the Message-ID store) even when the subject changed', async () => {
    const ticketId = ticketOf['04-quoted-printable.eml'];
    // Outbound mail is not built yet: record the message the agent reply would have been.
    srv = await inspect(srv, async (q) => {
      await q(`insert into email_messages (direction, message_id, ticket_id, subject, status, sent_at) values ('out', 'outpost.01a2-reply@help.example.com', $1, 'Re: VPN', 'sent', now())`, [ticketId]);
    }, ENV);
    admin = new Client(srv.url);
    await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const r = await post(message({ from: 'juergen.mueller@kunde.example', subject: 'Neues Problem?', body: 'Danke, geht wieder.', headers: { 'In-Reply-To': '<outpost.01a2-reply@help.example.com>', References: '<unknown-1@x.example> <outpost.01a2-reply@help.example.com>' } }));
    expect(r.json).toMatchObject({ status: 'commented', ticket_id: ticketId });
  });

  it('applies the closed-ticket policy: reopen, then a new linked ticket', async () => {
    const ticketId = ticketOf['05-base64.eml'];
    const close = async () => {
      const clientId = uuidv7();
      for (const [status, base] of [['in_progress', 'new'], ['resolved', 'in_progress'], ['closed', 'resolved']] as const) {
        const r = await admin.post('/api/sync/mutations', { clientId, mutations: [{ id: uuidv7(), name: 'ticket.setStatus', args: { id: ticketId, status, base_status: base, ...(status === 'resolved' ? { resolution_code: 'solved' } : {}) }, clientTime: new Date().toISOString() }] });
        expect(r.json.results[0].status, JSON.stringify(r.json)).toBe('applied');
      }
    };
    await close();
    const reply = (id: string) => message({ from: 'Priya Raman <priya.raman@customer.example>', subject: 'Re: Laptop battery drains fast', body: 'It is back.', messageId: id, headers: { 'In-Reply-To': '<20260304093012.base64.7781@customer.example>' } });
    const reopened = await post(reply('reopen-1@customer.example'));
    expect(reopened.json).toMatchObject({ status: 'commented', ticket_id: ticketId });
    // Reopened: the workflow continues from in_progress.
    const clientId = uuidv7();
    for (const [status, base] of [['resolved', 'in_progress'], ['closed', 'resolved']] as const) {
      const r = await admin.post('/api/sync/mutations', { clientId, mutations: [{ id: uuidv7(), name: 'ticket.setStatus', args: { id: ticketId, status, base_status: base, ...(status === 'resolved' ? { resolution_code: 'solved' } : {}) }, clientTime: new Date().toISOString() }] });
      expect(r.json.results[0].status, JSON.stringify(r.json)).toBe('applied');
    }
    const patch = await admin.patch(`/api/v1/admin/email/mailboxes/${hookId}`, { closed_ticket_policy: 'new_linked' });
    expect(patch.status, patch.text).toBe(200);
    const linked = await post(reply('linked-1@customer.example'));
    expect(linked.json?.status, JSON.stringify(linked) + srv.logs.slice(-5).join('')).toBe('created');
    expect(linked.json.ticket_id).not.toBe(ticketId);
    ticketOf['followup'] = linked.json.ticket_id;
  });

  it('quarantines a message it cannot process (inactive sender), keeping the raw message', async () => {
    const u = await admin.post('/api/v1/admin/users', { email: 'gone@customer.example', name: 'Gone Person', roles: ['end_user'], password: 'a long and unusual passphrase' });
    expect(u.status, u.text).toBe(201);
    const off = await admin.patch(`/api/v1/admin/users/${u.json.user.id}`, { status: 'inactive' });
    expect(off.status, off.text).toBe(200);
    const r = await post(message({ from: 'gone@customer.example', subject: 'Still here?', body: 'hello', messageId: 'quarantine-1@customer.example' }));
    expect(r.json.status).toBe('failed');
    expect(r.json.reason).toMatch(/inactive/);
    // The next message is not blocked by it.
    expect((await post(message({ from: 'next@customer.example', subject: 'Next one', body: 'fine' }))).json.status).toBe('created');
  });

  it('leaves the database as the outcomes say', async () => {
    srv = await inspect(
      srv,
      async (q) => {
        const first = await q(`select number, subject, description, description_html, source, requester_id, cc_emails from tickets where id = $1`, [ticketOf['01-original-request.eml']]);
        expect(Number(first[0].number)).toBe(1000);
        expect(first[0].source).toBe('email');
        expect(first[0].cc_emails).toEqual(['bob.stone@customer.example']);
        expect(first[0].description_html).not.toMatch(/script|javascript:|onclick|tracker\.example/);
        // Planned like every new ticket: the SLA policy's clocks start at creation (not at the first later change).
        const [clock] = await q(`select sla_policy_id, first_response_due_at, resolution_due_at from tickets where id = $1`, [ticketOf['01-original-request.eml']]);
        expect(clock.sla_policy_id).toBeTruthy();
        expect(clock.first_response_due_at).toBeTruthy();
        expect(clock.resolution_due_at).toBeTruthy();
        const starts = await q(`select kind from sla_events where ticket_id = $1 and kind = 'start'`, [ticketOf['01-original-request.eml']]);
        expect(starts.length).toBeGreaterThan(0);
        const [requester] = await q(`select u.password_hash, u.auth_provider, u.role_keys from users u where u.id = $1`, [first[0].requester_id]);
        expect(requester).toMatchObject({ password_hash: null, auth_provider: 'email', role_keys: ['requester'] });

        for (const c of cases) {
          const [m] = await q(`select m.id, m.status, m.classification, m.ticket_id, m.comment_id, t.subject, t.description, c.body, (select count(*)::int from email_raw_messages r where r.email_message_id = m.id) as raw
                                 from email_messages m left join tickets t on t.id = m.ticket_id left join ticket_comments c on c.id = m.comment_id
                                where m.direction = 'in' and m.content_sha256 = encode(sha256($1::bytea), 'hex')`, [fs.readFileSync(path.join(dir, c.file))]);
          expect(m, c.file).toBeTruthy();
          expect(m.raw, c.file).toBe(1);
          if (c.outcome === 'ignored') expect(m, c.file).toMatchObject({ status: 'ignored', classification: c.classification, ticket_id: null });
          else expect(m.status, c.file).toBe('processed');
          if (c.outcome === 'created') {
            expect(m.subject, c.file).toBe(c.subject);
            for (const t of c.text ?? []) expect(m.description, c.file).toContain(t);
          }
          if (c.outcome === 'commented') {
            for (const t of c.text ?? []) expect(m.body, c.file).toContain(t);
            for (const t of c.notText ?? []) expect(m.body, c.file).not.toContain(t);
          }
          if (c.attachments) {
            const att = await q(`select file_name, mime_type, inline, ticket_id from email_attachments where email_message_id = $1 order by file_name`, [m.id]);
            expect(att.map((a) => ({ name: a.file_name, mime: a.mime_type, inline: a.inline })), c.file).toEqual([...c.attachments].sort((a: any, b: any) => (a.name < b.name ? -1 : 1)));
            expect(att.every((a) => a.ticket_id === m.ticket_id)).toBe(true);
            // Stored through the file service and linked to the ticket; the bytes on disk are the decoded attachment.
            const files = await q(
              `select a.file_name, a.sha256, f.id as file_id, f.sha256 as file_sha, f.storage_path, f.owner_type, f.owner_id, ta.ticket_id as att_ticket, ta.inline as att_inline, ta.internal
                 from email_attachments a left join files f on f.id = a.file_id left join ticket_attachments ta on ta.file_id = a.file_id where a.email_message_id = $1`,
              [m.id]
            );
            for (const f of files) {
              expect(f.file_id, `${c.file}: ${f.file_name}`).toBeTruthy();
              expect(f).toMatchObject({ file_sha: f.sha256, owner_type: 'ticket', owner_id: m.ticket_id, att_ticket: m.ticket_id, internal: false });
              expect(createHash('sha256').update(fs.readFileSync(path.join(srv.dataDir, f.storage_path))).digest('hex')).toBe(f.sha256);
            }
            if (c.file === '08-inline-image.eml') {
              const [t] = await q(`select description_html from tickets where id = $1`, [m.ticket_id]);
              expect(t.description_html).toContain(`src="/api/v1/files/${files[0].file_id}"`);
              expect(t.description_html).not.toContain('cid:');
              expect(files[0].att_inline).toBe(true);
            }
          }
        }
        // One message row per distinct message, whatever was posted twice.
        const dup = await q(`select message_id, count(*)::int as n from email_messages group by message_id having count(*) > 1`);
        expect(dup).toEqual([]);
        // Comments made from email carry the message, and the original ticket got three replies (Gmail, Outlook, reply address) + the subject-token reply.
        const comments = await q(`select source, author_type, email_message_id from ticket_comments where ticket_id = $1 order by created_at`, [ticketOf['01-original-request.eml']]);
        expect(comments).toHaveLength(4);
        expect(comments.every((c) => c.source === 'email' && c.author_type === 'requester' && c.email_message_id)).toBe(true);
        // Closed-ticket policy: reopened once, then a follow-up linked back.
        const [t5] = await q(`select reopen_count, status from tickets where id = $1`, [ticketOf['05-base64.eml']]);
        expect(t5).toMatchObject({ reopen_count: 1, status: 'closed' });
        const links = await q(`select ticket_id, linked_ticket_id, kind from ticket_links where ticket_id = $1`, [ticketOf.followup]);
        expect(links).toEqual([{ ticket_id: ticketOf.followup, linked_ticket_id: ticketOf['05-base64.eml'], kind: 'follow_up_of' }]);
        const [q1] = await q(`select m.status, m.error, octet_length(r.raw) as size from email_messages m join email_raw_messages r on r.email_message_id = m.id where m.message_id = 'quarantine-1@customer.example'`);
        expect(q1.status).toBe('failed');
        expect(q1.error).toMatch(/inactive/);
        expect(Number(q1.size)).toBeGreaterThan(50);
        // Secrets are sealed with the configured key, never stored in clear.
        const secrets = await q(`select secret_encrypted from email_configurations where secret_encrypted is not null`);
        expect(secrets.length).toBe(1);
        expect(secrets[0].secret_encrypted).toMatch(/^v1:[0-9a-f]{12}:/);
        expect(secrets[0].secret_encrypted).not.toContain(HOOK_SECRET);
        // Audit: the mailbox changes are recorded without the secret.
        const audit = await q(`select action, after::text as after from audit_logs where entity_type = 'email_configuration' order by created_at`);
        expect(audit.map((a) => a.action)).toEqual(['email.mailbox.create', 'email.mailbox.create', 'email.mailbox.update']);
        expect(audit.every((a) => !a.after?.includes(HOOK_SECRET))).toBe(true);
      },
      ENV
    );
  });

  it('re-encrypts stored secrets after the key is rotated; the webhook keeps working', async () => {
    await srv.stop({ keepData: true });
    const env = { OUTPOST_EMAIL_KEY: 'c'.repeat(64), OUTPOST_EMAIL_KEY_PREVIOUS: EMAIL_KEY };
    srv = await startServer(backend, env, { dataDir: srv.dataDir, databaseUrl: srv.databaseUrl });
    admin = new Client(srv.url);
    await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const r = await admin.post('/api/v1/admin/email/reencrypt');
    expect(r.json).toEqual({ updated: 1, total: 1 });
    expect((await admin.post('/api/v1/admin/email/reencrypt')).json).toEqual({ updated: 0, total: 1 });
    // Only the new key now: the resealed secret still opens.
    await srv.stop({ keepData: true });
    srv = await startServer(backend, { OUTPOST_EMAIL_KEY: 'c'.repeat(64) }, { dataDir: srv.dataDir, databaseUrl: srv.databaseUrl });
    expect((await post(message({ from: 'after-rotation@customer.example', subject: 'After rotation', body: 'ok' }))).json.status).toBe('created');
  });
});
