// Outbound relay (nodemailer with the database settings). Only the connection test is here so
// far; composing and delivering ticket mail is not built yet (see the README's email section).
import nodemailer from 'nodemailer';
import type { MailboxConnection } from './mailbox-config';

export function transportOf(c: MailboxConnection) {
  return nodemailer.createTransport({
    host: c.host,
    port: c.port,
    secure: c.security === 'tls',
    requireTLS: c.security === 'starttls',
    ignoreTLS: c.security === 'none',
    auth: c.accessToken ? { type: 'OAuth2', user: c.user, accessToken: c.accessToken } : c.password ? { user: c.user, pass: c.password } : undefined,
    tls: { rejectUnauthorized: c.verifyTls },
    connectionTimeout: 15_000,
    greetingTimeout: 10_000
  });
}

/** EHLO, STARTTLS and AUTH against the relay; the server's reply on failure. */
export async function testSmtp(c: MailboxConnection): Promise<{ ok: boolean; error?: string }> {
  const t = transportOf(c);
  try {
    await t.verify();
    return { ok: true };
  } catch (e) {
    const x = e as { response?: string; message?: string };
    return { ok: false, error: x.response ?? x.message ?? String(e) };
  } finally {
    t.close();
  }
}
