// A small POP3 client (RFC 1939 + STLS from RFC 2595) over node:net/tls: USER/PASS, UIDL, LIST,
// RETR, DELE, QUIT. No maintained npm POP3 client supports STLS and UIDL with current Node
// (node-pop3 is unmaintained since 2021), and the protocol is a few lines.
import net from 'node:net';
import tls from 'node:tls';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { EmailIngestService, IngestOutcome } from './ingest';
import { POLL_GROUP, POLL_GROUP_BYTES, type MailboxConnection, type MailboxOptions } from './mailbox-config';
import { emailRepo } from './repository';

export class Pop3Error extends Error {}

export class Pop3Client {
  #socket!: net.Socket;
  #buf = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  #closed: Error | null = null;

  constructor(private readonly c: MailboxConnection) {}

  #attach(s: net.Socket) {
    this.#socket = s;
    s.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#wake();
    });
    s.on('error', (e) => {
      this.#closed = e;
      this.#wake();
    });
    s.on('close', () => {
      this.#closed ??= new Pop3Error('connection closed by the server');
      this.#wake();
    });
    s.setTimeout(60_000, () => s.destroy(new Pop3Error('timed out waiting for the POP3 server')));
  }
  #wake() {
    for (const w of this.#waiters.splice(0)) w();
  }
  async #until<T>(take: () => T | undefined): Promise<T> {
    for (;;) {
      const v = take();
      if (v !== undefined) return v;
      if (this.#closed) throw this.#closed;
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }
  /** One status line: +OK … or -ERR … (thrown with the server's words). */
  async #line(): Promise<string> {
    const line = await this.#until(() => {
      const i = this.#buf.indexOf('\r\n');
      if (i < 0) return undefined;
      const l = this.#buf.subarray(0, i).toString('latin1');
      this.#buf = this.#buf.subarray(i + 2);
      return l;
    });
    if (!line.startsWith('+OK')) throw new Pop3Error(`POP3 server said: ${line}`);
    return line;
  }
  /** A multi-line body up to the lone "." line, dot-unstuffed. */
  async #multi(): Promise<Buffer> {
    return this.#until(() => {
      const end = this.#buf.indexOf('\r\n.\r\n');
      const empty = this.#buf.subarray(0, 3).toString() === '.\r\n';
      if (end < 0 && !empty) return undefined;
      const body = empty ? Buffer.alloc(0) : this.#buf.subarray(0, end + 2);
      this.#buf = this.#buf.subarray(empty ? 3 : end + 5);
      const text = body.toString('latin1').replace(/^\.\./gm, '.');
      return Buffer.from(text, 'latin1');
    });
  }
  async #cmd(line: string, multi = false): Promise<{ status: string; body?: Buffer }> {
    this.#socket.write(line + '\r\n');
    const status = await this.#line();
    return multi ? { status, body: await this.#multi() } : { status };
  }

  async connect() {
    const { host, port, security, verifyTls } = this.c;
    const s = security === 'tls' ? tls.connect({ host, port, servername: host, rejectUnauthorized: verifyTls }) : net.connect({ host, port });
    this.#attach(s);
    await this.#line();
    if (security === 'starttls') {
      await this.#cmd('STLS');
      this.#socket.removeAllListeners('data');
      const secure = tls.connect({ socket: this.#socket, servername: host, rejectUnauthorized: verifyTls });
      await new Promise<void>((resolve, reject) => {
        secure.once('secureConnect', resolve);
        secure.once('error', reject);
      });
      this.#buf = Buffer.alloc(0);
      this.#attach(secure);
    }
    await this.#cmd(`USER ${this.c.user}`);
    await this.#cmd(`PASS ${this.c.password ?? ''}`);
  }
  async uidl(): Promise<{ n: number; uidl: string }[]> {
    const { body } = await this.#cmd('UIDL', true);
    return body!
      .toString('latin1')
      .split('\r\n')
      .filter(Boolean)
      .map((l) => l.split(' '))
      .map(([n, u]) => ({ n: Number(n), uidl: u }));
  }
  async sizes(): Promise<Map<number, number>> {
    const { body } = await this.#cmd('LIST', true);
    return new Map(body!.toString('latin1').split('\r\n').filter(Boolean).map((l) => l.split(' ').map(Number) as [number, number]));
  }
  async retr(n: number): Promise<Buffer> {
    return (await this.#cmd(`RETR ${n}`, true)).body!;
  }
  async dele(n: number) {
    await this.#cmd(`DELE ${n}`);
  }
  /** Ends the session; deletions take effect only now (RFC 1939 UPDATE state). */
  async quit() {
    try {
      await this.#cmd('QUIT');
    } finally {
      this.#socket.destroy();
    }
  }
  close() {
    this.#socket?.destroy();
  }
}

export async function testPop3(c: MailboxConnection): Promise<{ ok: true; messages: number } | { ok: false; error: string }> {
  const client = new Pop3Client(c);
  try {
    await client.connect();
    const n = (await client.uidl()).length;
    await client.quit();
    return { ok: true, messages: n };
  } catch (e) {
    client.close();
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** One POP3 session: every message whose UIDL this mailbox has not recorded goes through ingest. */
export async function pollPop3(args: { db: Kysely<DB>; ingest: EmailIngestService; conn: MailboxConnection; mailboxId: string; options: MailboxOptions; maxBytes: number; stopped?: () => boolean }) {
  const client = new Pop3Client(args.conn);
  const outcomes: IngestOutcome[] = [];
  try {
    await client.connect();
    const list = await client.uidl();
    const sizes = await client.sizes();
    const seen = new Set((await emailRepo.seenUidls(args.db, args.mailboxId, list.map((l) => l.uidl))).map((r) => r.uidl));
    // Messages are retrieved and committed in groups (one transaction each, ingestMany); DELE only
    // after the group committed (and deletions take effect at QUIT anyway).
    let group: { n: number; raw: Buffer; uidl: string }[] = [];
    let groupBytes = 0;
    const flush = async () => {
      const g = group;
      group = [];
      groupBytes = 0;
      if (!g.length) return;
      outcomes.push(...(await args.ingest.ingestMany(g.map((m) => ({ raw: m.raw, src: { channel: 'pop3' as const, mailboxId: args.mailboxId, uidl: m.uidl } })))));
      if (args.options.deleteAfterImport) for (const m of g) await client.dele(m.n);
    };
    for (const m of list) {
      if (args.stopped?.()) break;
      // A message too large to download stays on the server (it is recorded as quarantined).
      const size = sizes.get(m.n) ?? 0;
      const oversize = size > args.maxBytes;
      if (seen.has(m.uidl) || oversize) {
        await flush();
        if (oversize && !seen.has(m.uidl)) outcomes.push(await args.ingest.recordOversize({ channel: 'pop3', mailboxId: args.mailboxId, uidl: m.uidl }, size));
        if (args.options.deleteAfterImport && !oversize) await client.dele(m.n);
        continue;
      }
      if (group.length && (group.length >= POLL_GROUP || groupBytes + size > POLL_GROUP_BYTES)) await flush();
      group.push({ n: m.n, raw: await client.retr(m.n), uidl: m.uidl });
      groupBytes += size;
    }
    if (!args.stopped?.()) await flush();
    await client.quit();
  } catch (e) {
    client.close();
    throw e;
  }
  return outcomes;
}
