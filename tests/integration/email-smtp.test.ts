// The inbound SMTP server (smtp-server) inside the real app, with nodemailer as the sender, on
// PGlite and PostgreSQL: STARTTLS, mail for our domain accepted only after it is committed,
// relaying refused, the size limit enforced while streaming, a resent message ignored.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import fs from 'node:fs';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, type RunningServer } from '../support/server';
import { requireServices, type Backend } from '../support/backends';
import { inspect } from '../support/email';

const backends = inject('backends') as Backend[];
const KEY = '/etc/ssl/private/ssl-cert-snakeoil.key';
const CERT = '/etc/ssl/certs/ssl-cert-snakeoil.pem';
let tlsReason: string | null = null;
try {
  fs.accessSync(KEY, fs.constants.R_OK);
  fs.accessSync(CERT, fs.constants.R_OK);
} catch {
  tlsReason = `the snakeoil certificate (${CERT}, ${KEY}) is missing or unreadable; \`source .ci/services.sh && start_dovecot\` creates it`;
  if (requireServices) throw new Error(`OUTPOST_REQUIRE_SERVICES=1 but ${tlsReason}`);
}
const ENV = { OUTPOST_SMTP_PORT: '0', OUTPOST_SMTP_HOST: '127.0.0.1', OUTPOST_SMTP_TLS_KEY: KEY, OUTPOST_SMTP_TLS_CERT: CERT, OUTPOST_EMAIL_MAX_BYTES: '300000' };

const smtpPort = (srv: RunningServer) => {
  for (const l of srv.logs.join('').split('\n')) {
    if (l.includes('inbound SMTP listening')) return JSON.parse(l).port as number;
  }
  throw new Error('inbound SMTP server did not start:\n' + srv.logs.join(''));
};

describe.skipIf(!!tlsReason)('inbound SMTP', () => {
  if (tlsReason) {
    it.skip(`skipped: ${tlsReason}`, () => {});
    return;
  }
  describe.each(backends)('on %s', (backend) => {
    let srv: RunningServer;
    let port: number;
    const send = (mail: SendMailOptions, tls = true) =>
      nodemailer
        .createTransport({ host: '127.0.0.1', port, secure: false, requireTLS: tls, ignoreTLS: !tls, tls: { rejectUnauthorized: false } })
        .sendMail({ from: 'Nia Patel <nia.patel@customer.example>', ...mail });

    beforeAll(async () => {
      srv = await startServer(backend, ENV);
      port = smtpPort(srv);
      const admin = new Client(srv.url);
      await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
      const r = await admin.post('/api/v1/admin/email/mailboxes', { name: 'Outbound', kind: 'smtp', address: 'support@help.example.com', host: '127.0.0.1', port: 2525, security: 'none', auth_method: 'none', is_default: true });
      expect(r.status, r.text).toBe(201);
    });
    afterAll(async () => {
      await srv?.stop();
    });

    it('accepts mail for our domain over STARTTLS and without TLS; 250 means stored', async () => {
      const a = await send({ to: 'support@help.example.com', subject: 'Monitor flickers', text: 'The left monitor flickers.', messageId: '<smtp-1@customer.example>' });
      expect(a.accepted).toEqual(['support@help.example.com']);
      expect(a.response).toMatch(/^250/);
      const b = await send({ to: 'helpdesk@help.example.com', subject: 'Keyboard missing keys', text: 'F and J are gone.', messageId: '<smtp-2@customer.example>' }, false);
      expect(b.response).toMatch(/^250/);
    });

    it('refuses relaying for other domains', async () => {
      await expect(send({ to: 'someone@elsewhere.example', subject: 'relay?', text: 'x' })).rejects.toMatchObject({ responseCode: 550 });
    });

    it('refuses a message over the size limit', async () => {
      await expect(send({ to: 'support@help.example.com', subject: 'big', text: 'x', attachments: [{ filename: 'big.bin', content: Buffer.alloc(400_000, 7) }] })).rejects.toMatchObject({ responseCode: 552 });
    });

    it('a resent message (same Message-ID) is accepted but stored once', async () => {
      const again = await send({ to: 'support@help.example.com', subject: 'Monitor flickers', text: 'The left monitor flickers.', messageId: '<smtp-1@customer.example>' });
      expect(again.response).toMatch(/^250/);
      srv = await inspect(
        srv,
        async (q) => {
          const rows = await q(`select t.subject, t.source, m.message_id from email_messages m join tickets t on t.id = m.ticket_id where m.message_id like 'smtp-%' order by m.message_id`);
          expect(rows).toEqual([
            { subject: 'Monitor flickers', source: 'email', message_id: 'smtp-1@customer.example' },
            { subject: 'Keyboard missing keys', source: 'email', message_id: 'smtp-2@customer.example' }
          ]);
          const [big] = await q(`select count(*)::int as n from email_messages where subject = 'big'`);
          expect(big.n).toBe(0);
        },
        ENV
      );
    });
  });
});
