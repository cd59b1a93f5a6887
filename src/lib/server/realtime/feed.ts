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
//
// One read for both in a process (follow()): where this instance's sync engine tails the log, the
// feed takes the tailer's reads (every read, with its two snapshots and its entries) instead of
// reading the same entries itself. It keeps its own snapshot all the same and delivers what became
// visible since it, so it never skips nor repeats an entry whichever reader got further: a tailer
// read that starts before the feed's snapshot delivers only the entries the feed has not seen; one
// that starts after it (a gap) is bridged by a read of the feed's own up to that read's snapshot.
// Whenever the tailer is not reading (not started yet, stopped, or failing: a second instance's
// tailer collides with the first's window numbers), the feed reads the log itself as before, so
// every instance still delivers every change to its sockets; NOTIFY wakes each instance. (A change
// notified just before the tailer starts failing reaches the sockets at the feed's next poll, 2 s.)
import { sql, type Kysely } from 'kysely';
import { parseSnapshot, snapshotWithin, visibleIn, type PgSnapshot } from '$sync/server/offsets';
import type { ChangeWindowSource } from '$sync/server/engine';
import type { TailerWindow } from '$sync/server/tailer';
import { routeChange, type ChangeEntry, type Routed } from '$lib/domain/realtime/events';

const TABLES = ['tickets', 'ticket_comments', 'notifications'];
const TABLE_SET = new Set(TABLES);
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
  #source: ChangeWindowSource | null = null;
  #unfollow: (() => void) | null = null;
  /** Tailer reads waiting for this feed's own read in progress. */
  #pending: TailerWindow[] = [];
  /** Own reads done, tailer reads taken, and entries delivered (for tests and the bench). */
  readonly stats = { reads: 0, followed: 0, entries: 0 };

  constructor(private readonly o: ChangeFeedOptions) {}

  /** Only what commits from now on: a restarted instance does not replay old events. */
  async start(): Promise<void> {
    const r = await sql<{ cur: string }>`select pg_current_snapshot()::text as cur`.execute(this.o.db);
    this.#prev = parseSnapshot(r.rows[0].cur);
    this.#timer = setInterval(() => this.kick(false), this.o.pollMs ?? 2_000);
    this.#timer.unref?.();
  }

  stop() {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#unfollow?.();
  }

  /** Takes the reads of this process's sync tailer while it reads (see the header). */
  follow(source: ChangeWindowSource): void {
    this.#unfollow?.();
    this.#source = source;
    this.#unfollow = source.onWindow((w) => this.#take(w));
  }

  /**
   * Read soon (coalesced): called on NOTIFY outpost_changes (`notified`) and by the poll. While
   * following a reading tailer, the tailer reads — woken by the engine's own LISTEN, so a
   * notification is passed on only when that is down.
   */
  kick(notified = true): void {
    if (this.#stopped || !this.#prev) return;
    const src = this.#source;
    if (src?.reading()) {
      if (!notified || !src.wakesItself()) src.kick();
      return;
    }
    this.#read();
  }

  #read(target?: PgSnapshot): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop(target).finally(() => {
      this.#running = null;
      // Tailer reads that arrived meanwhile, against the snapshot this read reached.
      const pending = this.#pending;
      this.#pending = [];
      for (const w of pending) this.#take(w);
    });
  }

  async #loop(target?: PgSnapshot) {
    do {
      this.#again = false;
      try {
        await this.#step(target);
      } catch (e) {
        this.o.log?.('warn', 'realtime change feed read failed', { error: e instanceof Error ? e.message : String(e) });
        return; // the next notification or poll retries from the same snapshot
      }
      target = undefined;
    } while (this.#again && !this.#stopped);
  }

  /** A read of the tailer's: delivers what it holds that this feed has not (see the header). */
  #take(w: TailerWindow): void {
    if (this.#stopped || !this.#prev) return;
    if (this.#running) {
      this.#pending.push(w);
      return;
    }
    const prev = this.#prev;
    // The tailer is behind this feed (it read before the feed's last own read): nothing new.
    if (!snapshotWithin(prev, w.cur)) return;
    if (!snapshotWithin(w.prev, prev)) {
      // A gap between the feed's snapshot and the start of this read: read it all up to its end.
      this.#read(w.cur);
      return;
    }
    this.#prev = w.cur;
    this.stats.followed++;
    if (w.partial) this.o.log?.('info', 'realtime: a large batch of changes was announced partially', { entries: w.entries.length });
    for (const e of w.entries) {
      if (!TABLE_SET.has(e.tbl) || visibleIn(e.txid, prev)) continue;
      this.stats.entries++;
      for (const routed of routeChange(e)) this.o.deliver(routed);
    }
  }

  /** One read from the previous snapshot up to `target`, or to the statement's own snapshot. */
  async #step(target?: PgSnapshot) {
    const prev = this.#prev!;
    const xip = [...prev.xip].map(String);
    const cur = target ? sql`${target.text}::pg_snapshot` : sql`pg_current_snapshot()`;
    const r = await sql<RawEntry>`
      with s as (select ${cur} as cur),
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
