// The source of real-time events: the committed-change log (`sync_change_log`), which the capture
// triggers write inside the writing transaction — so a rolled-back change never appears in it and
// writes that bypass a service (a job, a bulk import) appear too — read here in commit order.
//
// Each app instance reads it itself, with the sync tailer's snapshot technique but none of its
// persisted state: a read takes the statement's snapshot S and returns the entries of every
// transaction visible in S and not in the previous read's snapshot P (everything that committed in
// between), ordered by seq. It is woken by NOTIFY `outpost_changes` (sent by the same triggers)
// and polls every 2 s as a safety net. Why not hang on the sync engine's tailer (`onPublish`)?
// That tailer numbers its windows in the shared `sync_windows` table, so a second instance on the
// same database collides with the first (duplicate window numbers) and stops reading; it is also
// started lazily by shape requests only. This reader keeps its snapshot in memory and writes
// nothing, so any number of instances can run it, each delivering to its own sockets.
import { sql, type Kysely } from 'kysely';
import { parseSnapshot, type PgSnapshot } from '$sync/server/offsets';
import { routeChange, type ChangeEntry, type Routed } from '$lib/domain/realtime/events';

const TABLES = ['tickets', 'ticket_comments', 'notifications'];
/** A window larger than this (a bulk import) is announced partially: the data comes through shapes. */
const WINDOW_MAX = 5_000;

interface RawEntry extends ChangeEntry {
  cur: string;
  seq: string | null;
}

export interface ChangeFeedOptions {
  db: Kysely<any>;
  deliver: (r: Routed) => void;
  log?: (level: 'info' | 'warn' | 'error', msg: string, data?: Record<string, unknown>) => void;
  pollMs?: number;
}

export class ChangeFeed {
  #prev: PgSnapshot | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #timer: ReturnType<typeof setInterval> | null = null;
  #stopped = false;
  /** Reads done and entries delivered (for tests and the bench). */
  readonly stats = { reads: 0, entries: 0 };

  constructor(private readonly o: ChangeFeedOptions) {}

  /** Only what commits from now on: a restarted instance does not replay old events. */
  async start(): Promise<void> {
    const r = await sql<{ cur: string }>`select pg_current_snapshot()::text as cur`.execute(this.o.db);
    this.#prev = parseSnapshot(r.rows[0].cur);
    this.#timer = setInterval(() => this.kick(), this.o.pollMs ?? 2_000);
    this.#timer.unref?.();
  }

  stop() {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
  }

  /** Read soon (coalesced): called on NOTIFY outpost_changes. */
  kick(): void {
    if (this.#stopped || !this.#prev) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = null;
    });
  }

  async #loop() {
    do {
      this.#again = false;
      try {
        await this.#step();
      } catch (e) {
        this.o.log?.('warn', 'realtime change feed read failed', { error: e instanceof Error ? e.message : String(e) });
        return; // the next notification or poll retries from the same snapshot
      }
    } while (this.#again && !this.#stopped);
  }

  async #step() {
    const prev = this.#prev!;
    const xip = [...prev.xip].map(String);
    const r = await sql<RawEntry>`
      with s as (select pg_current_snapshot() as cur),
      page as (
        select * from (
          select l.seq, l.tbl, l.op, l.row, l.old from sync_change_log l, s
           where l.txid >= ${String(prev.xmax)}::xid8 and l.txid < pg_snapshot_xmax(s.cur) and pg_visible_in_snapshot(l.txid, s.cur)
             and l.tbl = any(${TABLES}::text[])
          union all
          select l.seq, l.tbl, l.op, l.row, l.old from sync_change_log l, s
           where l.txid = any (${xip}::xid8[]) and pg_visible_in_snapshot(l.txid, s.cur)
             and l.tbl = any(${TABLES}::text[])
        ) x order by x.seq limit ${WINDOW_MAX})
      select s.cur::text as cur, p.seq::text as seq, p.tbl, p.op, p.row, p.old
        from s left join page p on true
       order by p.seq`.execute(this.o.db);
    this.#prev = parseSnapshot(r.rows[0].cur);
    this.stats.reads++;
    const rows = r.rows.filter((x) => x.seq !== null);
    if (rows.length === WINDOW_MAX) this.o.log?.('info', 'realtime: a large batch of changes was announced partially', { entries: rows.length });
    for (const e of rows) {
      this.stats.entries++;
      for (const routed of routeChange(e)) this.o.deliver(routed);
    }
  }
}
