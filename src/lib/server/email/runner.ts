// Runs every enabled inbound mailbox concurrently, each in its own loop (a slow or failing
// mailbox never delays another): IMAP keeps a connection and IDLEs between polls, POP3 opens a
// session per poll. Configuration changes are picked up within REFRESH_MS. Errors are recorded on
// the mailbox (last_error, shown in the admin screen) and retried with backoff.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { EmailIngestService } from './ingest';
import type { KeyRing } from './secrets';
import { connectionOf, optionsOf, type MailboxRow } from './mailbox-config';
import { imapClient, imapError, pollImap } from './imap';
import { pollPop3 } from './pop3';
import { emailRepo } from './repository';
import { log } from '../log';

const REFRESH_MS = 10_000;

interface Worker {
  version: string;
  stop(): Promise<void>;
}

export class MailboxRunner {
  #workers = new Map<string, Worker>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly ingest: EmailIngestService,
    private readonly ring: KeyRing,
    private readonly maxBytes: number
  ) {}

  async start() {
    await this.refresh().catch((e) => log.error('email: could not load mailboxes', { error: e }));
    this.#timer = setInterval(() => void this.refresh().catch((e) => log.error('email: could not reload mailboxes', { error: e })), REFRESH_MS);
    this.#timer.unref();
  }

  async refresh() {
    if (this.#stopped) return;
    const rows = await emailRepo.enabledInbound(this.db);
    const want = new Map(rows.map((r) => [r.id, r]));
    for (const [id, w] of this.#workers) {
      const row = want.get(id);
      if (!row || versionOf(row) !== w.version) {
        this.#workers.delete(id);
        await w.stop();
      }
    }
    for (const row of rows) if (!this.#workers.has(row.id)) this.#workers.set(row.id, this.#run(row));
  }

  async stop() {
    this.#stopped = true;
    clearInterval(this.#timer);
    await Promise.all([...this.#workers.values()].map((w) => w.stop()));
    this.#workers.clear();
  }

  #run(row: MailboxRow): Worker {
    let stopped = false;
    let wake: () => void = () => {};
    const sleep = (ms: number) =>
      new Promise<void>((r) => {
        const t = setTimeout(r, ms);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    const options = optionsOf(row);
    let close: () => Promise<void> = async () => {};
    const loop = async () => {
      let backoff = 1_000;
      while (!stopped) {
        try {
          const conn = connectionOf(row, this.ring);
          if (row.kind === 'pop3') {
            await pollPop3({ db: this.db, ingest: this.ingest, conn, mailboxId: row.id, options, maxBytes: this.maxBytes, stopped: () => stopped });
            await emailRepo.recordPoll(this.db, row.id, null);
            backoff = 1_000;
            await sleep(options.pollIntervalMs);
            continue;
          }
          const client = imapClient(conn);
          client.on('error', (e) => log.warn('email: IMAP connection error', { mailbox: row.name, error: imapError(e) }));
          client.on('exists', () => wake());
          close = async () => {
            await client.logout().catch(() => client.close());
          };
          try {
            await client.connect();
            await client.mailboxOpen(options.folder);
            while (!stopped && client.usable) {
              await pollImap({ db: this.db, ingest: this.ingest, client, mailboxId: row.id, options, maxBytes: this.maxBytes, stopped: () => stopped });
              await emailRepo.recordPoll(this.db, row.id, null);
              backoff = 1_000;
              if (stopped) break;
              // IDLE until the server announces a message (the 'exists' event wakes us) or the poll interval passes.
              const idling = options.useIdle ? client.idle().catch(() => undefined) : undefined;
              await sleep(options.pollIntervalMs);
              void idling;
            }
          } finally {
            await close();
          }
        } catch (e) {
          if (stopped) break;
          const error = imapError(e);
          log.warn('email: mailbox poll failed', { mailbox: row.name, error });
          await emailRepo.recordPoll(this.db, row.id, error).catch(() => {});
          await sleep(backoff);
          backoff = Math.min(backoff * 2, 60_000);
        }
      }
    };
    const done = loop();
    return {
      version: versionOf(row),
      async stop() {
        stopped = true;
        wake();
        await close();
        await done;
      }
    };
  }
}

/** What a worker depends on; polls and watermarks also update the row (and its updated_at), so that cannot be the version. */
const versionOf = (r: MailboxRow) =>
  JSON.stringify([r.kind, r.host, r.port, r.security, r.auth_method, r.username, r.secret_encrypted, r.folder, r.processed_folder, r.poll_interval_seconds, r.use_idle, r.settings]);
