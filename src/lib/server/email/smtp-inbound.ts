// The inbound SMTP server (smtp-server): accepts mail only for our own domains (no relaying),
// enforces the size limit while the message streams in, offers STARTTLS when a key and
// certificate are configured, and optionally requires AUTH. Each message goes through the ingest
// pipeline before we answer 250, so an accepted message is a committed one; a database failure
// answers 451 and the sender retries (the Message-ID makes the retry harmless). Messages arriving
// together on several connections commit in one transaction (group commit, EmailIngestService.
// ingestGrouped); each is still answered only after that COMMIT, with its own reply.
import fs from 'node:fs';
import { createHash, timingSafeEqual } from 'node:crypto';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { EmailService } from './service';
import { log } from '../log';

export interface InboundSmtpOptions {
  port: number;
  host: string;
  maxBytes: number;
  tlsKeyPath?: string;
  tlsCertPath?: string;
  /** `user:password`; when set, clients must authenticate (over TLS). */
  auth?: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();
const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

export function startInboundSmtp(email: EmailService, o: InboundSmtpOptions): Promise<{ server: SMTPServer; port: number; close(): Promise<void> }> {
  const tls = o.tlsKeyPath && o.tlsCertPath ? { key: fs.readFileSync(o.tlsKeyPath), cert: fs.readFileSync(o.tlsCertPath) } : undefined;
  const [authUser, ...rest] = (o.auth ?? '').split(':');
  const authPass = rest.join(':');
  const options: SMTPServerOptions = {
    secure: false,
    ...(tls ?? {}),
    hideSTARTTLS: !tls,
    size: o.maxBytes,
    banner: 'Outpost inbound mail',
    authOptional: !o.auth,
    disabledCommands: o.auth ? [] : ['AUTH'],
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, cb) {
      const ok = o.auth && auth.username === authUser && timingSafeEqual(digest(auth.password ?? ''), digest(authPass));
      cb(ok ? null : smtpError(535, 'Authentication failed'), ok ? { user: auth.username } : undefined);
    },
    onMailFrom(_address, session, cb) {
      email.expect(session.id);
      cb();
    },
    onClose(session) {
      email.unexpect(session.id);
    },
    onRcptTo(address, _session, cb) {
      email
        .acceptedRecipient(address.address)
        .then((r) => cb(r ? null : smtpError(550, `5.7.1 Relaying denied: we do not accept mail for ${address.address}`)))
        .catch(() => cb(smtpError(451, '4.3.0 Temporary failure, try again later')));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          email.unexpect(session.id);
          return cb(smtpError(552, `5.3.4 Message larger than ${o.maxBytes} bytes`));
        }
        const raw = Buffer.concat(chunks);
        const rcpt = session.envelope.rcptTo[0]?.address ?? '';
        email
          .acceptedRecipient(rcpt)
          .then((r) => email.ingest(raw, { channel: 'smtp', mailboxId: r?.mailboxId ?? null }, session.id))
          // Each answer is its own: a message kept in quarantine (stored with its reason, for an
          // admin) says so without the reason; a bounce to a possibly forged sender would be backscatter.
          .then((out) => cb(null, out.status === 'failed' ? '2.0.0 Accepted for review (quarantined)' : out.status === 'duplicate' ? '2.0.0 OK: already received' : 'OK: message stored'))
          .catch((e) => {
            email.unexpect(session.id);
            log.error('email: inbound SMTP message not stored', { error: e });
            cb(smtpError(451, '4.3.0 Temporary failure storing the message, try again later'));
          });
      });
    }
  };
  const server = new SMTPServer(options);
  server.on('error', (e) => log.warn('email: inbound SMTP error', { error: e.message }));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      const addr = server.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : o.port;
      log.info('email: inbound SMTP listening', { host: o.host, port, starttls: !!tls, auth: !!o.auth });
      resolve({ server, port, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}
