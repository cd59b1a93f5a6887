// Helpers for the email tests: the dovecot started by .ci/services.sh (skip with a clear message
// when it is not running, fail under OUTPOST_REQUIRE_SERVICES=1), delivery with doveadm, and SQL
// checks on either database (PGlite: the server is stopped while the check runs, then restarted).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { ImapFlow } from 'imapflow';
import { requireServices } from './backends';
import { startServer, type RunningServer } from './server';

export interface Dovecot {
  host: string;
  imapPort: number;
  pop3Port: number;
  user: string;
  password: string;
  conf: string;
}

/** The dovecot of `source .ci/services.sh && start_dovecot`, or why it cannot be used. */
export function dovecot(): { ok: true; d: Dovecot } | { ok: false; reason: string } {
  const e = process.env;
  if (!e.OUTPOST_TEST_IMAP_HOST || !e.OUTPOST_TEST_IMAP_PORT || !e.OUTPOST_TEST_POP3_PORT || !e.OUTPOST_TEST_DOVECOT_CONF) {
    const reason = 'dovecot is not running: OUTPOST_TEST_IMAP_* are not set (run `source .ci/services.sh && start_dovecot`)';
    if (requireServices) throw new Error(`OUTPOST_REQUIRE_SERVICES=1 but ${reason}`);
    return { ok: false, reason };
  }
  return {
    ok: true,
    d: {
      host: e.OUTPOST_TEST_IMAP_HOST,
      imapPort: Number(e.OUTPOST_TEST_IMAP_PORT),
      pop3Port: Number(e.OUTPOST_TEST_POP3_PORT),
      user: e.OUTPOST_TEST_MAIL_USER ?? 'helpdesk',
      password: e.OUTPOST_TEST_MAIL_PASSWORD ?? 'helpdeskpw',
      conf: e.OUTPOST_TEST_DOVECOT_CONF
    }
  };
}

/** Polls `fn` until it returns something truthy (returned), or fails after `ms` naming `what`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000, every = 100): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Delivers raw messages into a user's folder with `doveadm save` (one call per message). */
export function deliver(d: Dovecot, user: string, messages: string[], folder = 'INBOX') {
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  for (const m of messages) {
    const r = spawnSync(sudo[0] ?? 'doveadm', [...sudo.slice(1), ...(sudo.length ? ['doveadm'] : []), '-c', d.conf, 'save', '-u', user, '-m', folder], { input: m });
    if (r.status !== 0) throw new Error(`doveadm save failed: ${r.stderr?.toString()}`);
  }
}

/** Empties a user's folders (tests on each backend start from an empty mailbox). */
export async function clearMailbox(d: Dovecot, user: string, password: string, folders = ['INBOX', 'Archive']) {
  const c = new ImapFlow({ host: d.host, port: d.imapPort, secure: false, doSTARTTLS: false, auth: { user, pass: password }, logger: false });
  c.on('error', () => {});
  await c.connect();
  try {
    for (const f of folders) {
      const box = await c.mailboxOpen(f);
      if (box.exists) await c.messageDelete('1:*');
    }
  } finally {
    await c.logout();
  }
}

/** The UID the next message delivered to a folder will get (UIDs never restart within a UIDVALIDITY). */
export async function uidNext(d: Dovecot, user: string, password: string, folder: string): Promise<number> {
  const c = new ImapFlow({ host: d.host, port: d.imapPort, secure: false, doSTARTTLS: false, auth: { user, pass: password }, logger: false });
  c.on('error', () => {});
  await c.connect();
  try {
    const s = await c.status(folder, { uidNext: true });
    return s ? Number(s.uidNext ?? 1) : 1;
  } finally {
    await c.logout();
  }
}

export async function folderCount(d: Dovecot, user: string, password: string, folder: string): Promise<number> {
  const c = new ImapFlow({ host: d.host, port: d.imapPort, secure: false, doSTARTTLS: false, auth: { user, pass: password }, logger: false });
  c.on('error', () => {});
  await c.connect();
  try {
    const s = await c.status(folder, { messages: true });
    return s ? (s.messages ?? 0) : 0;
  } finally {
    await c.logout();
  }
}

export function message(o: { from: string; to?: string; subject: string; body: string; messageId?: string | null; headers?: Record<string, string> }): string {
  const lines = [
    `From: ${o.from}`,
    `To: ${o.to ?? 'support@help.example.com'}`,
    `Subject: ${o.subject}`,
    `Date: ${new Date().toUTCString()}`,
    ...(o.messageId === null ? [] : [`Message-ID: <${o.messageId ?? `${Math.random().toString(36).slice(2)}.${Date.now()}@customer.example`}>`]),
    ...Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    o.body,
    ''
  ];
  return lines.join('\r\n');
}

type Row = Record<string, any>;
export type Query = (text: string, params?: unknown[]) => Promise<Row[]>;

/** Runs SQL checks against the server's database; on PGlite the server is stopped meanwhile and a restarted one is returned. */
export async function inspect(srv: RunningServer, fn: (q: Query) => Promise<void>, env: Record<string, string> = {}): Promise<RunningServer> {
  if (srv.backend === 'postgres') {
    const c = new pg.Client({ connectionString: srv.databaseUrl });
    await c.connect();
    try {
      await fn(async (t, p) => (await c.query(t, p as unknown[])).rows);
    } finally {
      await c.end();
    }
    return srv;
  }
  await srv.stop({ keepData: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite-pgvector');
  const db = await PGlite.create({ dataDir: path.join(srv.dataDir, 'db'), extensions: { vector } });
  try {
    await fn(async (t, p) => (await db.query<Row>(t, p as unknown[])).rows);
  } finally {
    await db.close();
  }
  return startServer('pglite', env, { dataDir: srv.dataDir });
}
