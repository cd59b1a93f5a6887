// The one change-log tailer of the engine.
//
// Each read ("window") takes the statement's snapshot S and returns the log entries of every
// transaction visible in S but not in the previous window's snapshot P — that is, everything that
// committed in between — ordered by seq. This is commit-safe (a transaction is read once, in the
// first window whose snapshot sees it committed) and keeps each row's history in order:
//   - writes to one row are serialised by its row lock, so seq order is that row's order inside a
//     window;
//   - across windows: if T2 wrote a row after T1 did, T2 waited for T1's commit, so a snapshot that
//     sees T2 committed sees T1 too — T1 is never in a later window than T2.
// (A cursor on pg_snapshot_xmin — "read txid < xmin" — is commit-safe but NOT order-safe: an old
// xid that writes a row after a newer xid committed lands in an earlier window. The ordering test
// caught exactly that; the stack notes measured only losses.) Long-running transactions don't stall
// this feed either: windows never wait for them.
//
// Windows are numbered by a persisted counter and recorded (with S and P) before their entries are
// published, so positions `<window>_<seq>` stay valid across restarts; recent entries are kept in
// memory, older ones are read back from the database with the same window assignment.
import { sql, type Kysely } from 'kysely';
import type { Row } from '../protocol/filter';
import { mergeRun, type CompactableEntry } from './compaction';
import { cmp, ORIGIN, parseSnapshot, visibleIn, type PgSnapshot, type Pos } from './offsets';

export type LogOp = 'insert' | 'update' | 'delete' | 'truncate';

export interface LogEntry {
  pos: Pos;
  txid: bigint;
  tbl: string;
  op: LogOp;
  /** insert/update: the new row. */
  row: Row | null;
  /** update: old values of the changed columns; delete: the old row. */
  old: Row | null;
  /** A compacted entry (the sync_compaction migration): the txids of the entries merged into it. */
  merged?: bigint[] | null;
}

/**
 * One read of the log, for a reader in the same process that follows the tailer instead of reading
 * the log itself (the real-time feed): everything that became visible between the snapshots
 * `prev` and `cur`, in seq order — only the first page when `partial` (a bulk import).
 */
export interface TailerWindow {
  prev: PgSnapshot;
  cur: PgSnapshot;
  entries: LogEntry[];
  partial: boolean;
}

export interface TailerOptions {
  /** Entries kept in memory for live and recent catch-up reads. */
  bufferMax?: number;
  /** Rows read per query. */
  pageSize?: number;
  log?: (level: 'warn' | 'error', msg: string, data?: Record<string, unknown>) => void;
  /**
   * Registers the SQL text of the per-window read as a named statement of the connection pool
   * (src/lib/server/db/prepared.ts on PostgreSQL): it runs once per window — about once per write
   * under load — and parsing and analysing it each time was a measurable share of PostgreSQL's CPU
   * per write. Its plan stays index-backed as a generic plan too (txid range on sync_change_log_txid_idx).
   */
  prepare?: (sqlText: string) => unknown;
}

interface RawEntry {
  seq: string;
  txid: string;
  tbl: string;
  op: LogOp;
  row: Row | null;
  old: Row | null;
  merged?: string[] | null;
}

interface WindowRow {
  w: string;
  snap: string;
  prev: string;
  last_seq: string | null;
  entries: number | null;
}

/** Window numbers skipped at each start (see init). */
const WINDOW_GAP = 1_000_000n;

/** Nothing visible: the "previous snapshot" before the first window. */
const NOTHING = '1:1:';

const toEntry = (r: RawEntry, w: bigint): LogEntry => {
  const e: LogEntry = { pos: { w, s: BigInt(r.seq) }, txid: BigInt(r.txid), tbl: r.tbl, op: r.op, row: r.row, old: r.old };
  if (r.merged) e.merged = r.merged.map(BigInt);
  return e;
};

export class Tailer {
  /** Snapshot of the last read: everything visible in it has been read. */
  private prev: PgSnapshot = parseSnapshot(NOTHING);
  /** Number of the next window. Window numbers start at 2 (ORIGIN is 1_0, snapshot chunks 0_k). */
  private nextW = 2n;
  /** Last published position. */
  tail: Pos = ORIGIN;
  /** Positions at or before this were dropped by retention. */
  horizon: Pos = ORIGIN;
  /** In-memory entries, ascending, all after bufferStart. */
  private buffer: LogEntry[] = [];
  private bufferStart: Pos = ORIGIN;
  private readonly bufferMax: number;
  private readonly pageSize: number;
  private readonly listeners = new Set<(tables: Set<string>) => void>();
  private readonly windowListeners = new Set<(w: TailerWindow) => void>();
  /** init() done and the last read succeeded. */
  private ok = false;
  private loop: Promise<void> | null = null;
  private want = false;
  private started = 0;
  private finished = 0;
  private doneWaiters: { gen: number; resolve: () => void }[] = [];
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly db: Kysely<any>,
    private readonly opts: TailerOptions = {}
  ) {
    this.bufferMax = opts.bufferMax ?? 50_000;
    this.pageSize = opts.pageSize ?? 5_000;
  }

  async init() {
    const w = await sql<WindowRow>`select w::text as w, snap, prev, last_seq::text as last_seq, entries from sync_windows order by sync_windows.w desc limit 1`.execute(this.db);
    const last = w.rows[0];
    if (last) {
      let lastSeq = last.last_seq;
      if (lastSeq === null) {
        // Stopped while publishing a large window: its extent is still in the log.
        const m = await sql<{ s: string | null; n: number }>`
          select max(seq)::text as s, count(*)::int as n from sync_change_log
           where txid < pg_snapshot_xmax(${last.snap}::pg_snapshot) and pg_visible_in_snapshot(txid, ${last.snap}::pg_snapshot)
             and not pg_visible_in_snapshot(txid, ${last.prev}::pg_snapshot)`.execute(this.db);
        lastSeq = m.rows[0].s ?? '0';
        await sql`update sync_windows set last_seq = ${lastSeq}, entries = ${m.rows[0].n} where w = ${last.w}`.execute(this.db);
      }
      this.prev = parseSnapshot(last.snap);
      // Windows are recorded without waiting for the WAL flush (see step), so the last few published
      // before a database crash may be missing here; their transactions are not (they committed
      // normally) and are read again into the next window. Numbering resumes past any window that
      // could have been published, so an offset a client got from a lost window lies before all new
      // windows: it receives those changes again (applying a change twice is harmless: whole
      // values, upserts, deletes), never a window numbered like its own with other content.
      this.nextW = BigInt(last.w) + WINDOW_GAP;
      this.tail = { w: BigInt(last.w), s: BigInt(lastSeq) };
    }
    const h = await sql<{ value: { w: string; s: string } }>`select value from sync_engine_state where key = 'horizon'`.execute(this.db);
    if (h.rows[0]) this.horizon = { w: BigInt(h.rows[0].value.w), s: BigInt(h.rows[0].value.s) };
    this.bufferStart = this.tail;
    this.ok = true;
  }

  /** Reading: initialised, not stopped, and the last read succeeded (see TailerWindow). */
  get reading(): boolean {
    return this.ok && !this.stopped;
  }

  /** Called after every read, empty ones included, with what it read (see TailerWindow). */
  onWindow(fn: (w: TailerWindow) => void): () => void {
    this.windowListeners.add(fn);
    return () => this.windowListeners.delete(fn);
  }

  /** Called after entries are published, with the tables they touch. */
  onPublish(fn: (tables: Set<string>) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Ask for a read soon (coalesced). */
  kick() {
    if (this.stopped) return;
    this.want = true;
    this.loop ??= this.run().finally(() => {
      this.loop = null;
    });
  }

  /** Resolves after a read that started after this call has finished. */
  sync(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const target = this.started + 1;
    this.kick();
    if (this.finished >= target) return Promise.resolve();
    return new Promise((resolve) => this.doneWaiters.push({ gen: target, resolve }));
  }

  stop() {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const w of this.doneWaiters) w.resolve();
    this.doneWaiters = [];
  }

  private async run() {
    while (this.want && !this.stopped) {
      this.want = false;
      const gen = ++this.started;
      try {
        await this.step();
        this.ok = true;
      } catch (e) {
        this.ok = false;
        this.opts.log?.('warn', 'sync tailer read failed', { error: e instanceof Error ? e.message : String(e) });
        if (!this.retryTimer && !this.stopped) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            this.kick();
          }, 500);
        }
      }
      this.finished = gen;
      const ready = this.doneWaiters.filter((w) => w.gen <= gen);
      this.doneWaiters = this.doneWaiters.filter((w) => w.gen > gen);
      for (const w of ready) w.resolve();
    }
  }

  /**
   * One window. The first page is one statement: the statement's snapshot, the read of what
   * became visible since the previous one, and the window row, recorded before anything is
   * published. Newly visible = committed xids in [prev.xmax, cur.xmax) plus prev's in-progress
   * xids that have committed since (xids below prev.xmax and not in prev.xip had finished).
   */
  private async step(): Promise<void> {
    const prev = this.prev;
    const w = this.nextW;
    const page = this.pageSize;
    const xip = [...prev.xip].map(String);
    // The window row commits without waiting for the WAL flush (synchronous_commit off for this
    // statement only): waiting was most of the commit → published latency (a flush per window).
    // What a database crash may lose of it is handled in init().
    const q = sql<RawEntry & { cur: string }>`
      with cfg as (select set_config('synchronous_commit', 'off', true) as v),
      s as (select pg_current_snapshot() as cur),
      page as (
        select * from (
          select l.seq, l.txid, l.tbl, l.op, l.row, l.old from sync_change_log l, s
           where l.txid >= ${String(prev.xmax)}::xid8 and l.txid < pg_snapshot_xmax(s.cur) and pg_visible_in_snapshot(l.txid, s.cur)
          union all
          select l.seq, l.txid, l.tbl, l.op, l.row, l.old from sync_change_log l, s
           where l.txid = any (${xip}::xid8[]) and pg_visible_in_snapshot(l.txid, s.cur)
        ) x order by x.seq limit ${page}),
      win as (
        insert into sync_windows (w, snap, prev, first_seq, last_seq, entries)
        select ${String(w)}, s.cur::text, ${prev.text}, min(p.seq),
               case when count(*) < ${page} then max(p.seq) end,
               case when count(*) < ${page} then count(*) end
          from s, page p, cfg group by s.cur::text)
      select s.cur::text as cur, p.seq::text as seq, p.txid::text as txid, p.tbl, p.op, p.row, p.old
        from s left join page p on true
       order by p.seq`.compile(this.db);
    this.opts.prepare?.(q.sql);
    const r = await this.db.executeQuery(q);
    const cur = parseSnapshot(r.rows[0].cur);
    const rows = r.rows.filter((x) => x.seq !== null);
    if (!rows.length) {
      this.prev = cur;
      this.emitWindow({ prev, cur, entries: [], partial: false });
      return;
    }
    this.nextW = w + 1n;
    const first = rows.map((row) => toEntry(row, w));
    this.publish(first);
    if (rows.length === page) {
      // A large window: the rest page by page (same snapshots), then its extent.
      let after = BigInt(rows[rows.length - 1].seq);
      let n = rows.length;
      for (;;) {
        const more = await sql<RawEntry>`
          select * from (
            select seq::text as seq, seq as n, txid::text as txid, tbl, op, row, old from sync_change_log
             where txid >= ${String(prev.xmax)}::xid8 and txid < ${String(cur.xmax)}::xid8
               and pg_visible_in_snapshot(txid, ${cur.text}::pg_snapshot) and seq > ${String(after)}
            union all
            select seq::text as seq, seq as n, txid::text as txid, tbl, op, row, old from sync_change_log
             where txid = any (${xip}::xid8[]) and pg_visible_in_snapshot(txid, ${cur.text}::pg_snapshot) and seq > ${String(after)}
          ) x order by x.n limit ${page}`.execute(this.db);
        if (!more.rows.length) break;
        this.publish(more.rows.map((row) => toEntry(row, w)));
        after = BigInt(more.rows[more.rows.length - 1].seq);
        n += more.rows.length;
        if (more.rows.length < page) break;
      }
      await sql`update sync_windows set last_seq = ${String(after)}, entries = ${n} where w = ${String(w)}`.execute(this.db);
    }
    this.prev = cur;
    this.emitWindow({ prev, cur, entries: first, partial: rows.length === page });
  }

  private emitWindow(win: TailerWindow) {
    for (const fn of [...this.windowListeners]) {
      try {
        fn(win);
      } catch (e) {
        this.opts.log?.('warn', 'sync tailer window listener failed', { error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  private publish(entries: LogEntry[]) {
    for (const e of entries) this.buffer.push(e);
    this.tail = entries[entries.length - 1].pos;
    if (this.buffer.length > this.bufferMax) {
      const drop = this.buffer.length - Math.floor(this.bufferMax * 0.8);
      this.bufferStart = this.buffer[drop - 1].pos;
      this.buffer = this.buffer.slice(drop);
    }
    const tables = new Set(entries.map((e) => e.tbl));
    for (const fn of [...this.listeners]) fn(tables);
  }

  /**
   * Entries after `from`, in log order, at most about `limit`; `end` is the position up to which
   * the log has been read (the last entry returned, or further when nothing more is there).
   */
  async readAfter(from: Pos, limit: number): Promise<{ entries: LogEntry[]; end: Pos }> {
    const tail = this.tail;
    if (cmp(from, tail) >= 0) return { entries: [], end: from };
    if (cmp(from, this.bufferStart) >= 0) {
      const b = this.buffer;
      let lo = 0;
      let hi = b.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cmp(b[mid].pos, from) <= 0) lo = mid + 1;
        else hi = mid;
      }
      const entries = b.slice(lo, lo + limit);
      const end = lo + limit >= b.length || !entries.length ? tail : entries[entries.length - 1].pos;
      return { entries, end };
    }
    return this.readFromDb(from, limit, this.bufferStart);
  }

  private async readFromDb(from: Pos, limit: number, until: Pos): Promise<{ entries: LogEntry[]; end: Pos }> {
    const ws = await sql<WindowRow>`
      select w::text as w, snap, prev, last_seq::text as last_seq, entries from sync_windows
       where w >= ${String(from.w)} and w <= ${String(until.w)}
       order by sync_windows.w limit 500`.execute(this.db);
    const windows = ws.rows.map((r) => ({ w: BigInt(r.w), snap: parseSnapshot(r.snap), prev: parseSnapshot(r.prev), lastSeq: r.last_seq === null ? null : BigInt(r.last_seq), n: r.entries ?? limit }));
    if (!windows.length) return { entries: [], end: until };
    // Enough whole windows for about `limit` entries (at least one).
    let take = 0;
    let total = 0;
    while (take < windows.length && (take === 0 || total + windows[take].n <= limit)) total += windows[take++].n;
    const chosen = windows.slice(0, take);
    const first = chosen[0].prev;
    const last = chosen[take - 1].snap;
    // Visible in the last window's snapshot and not in the one before the first window.
    const r = await sql<RawEntry>`
      select seq::text as seq, txid::text as txid, tbl, op, row, old, merged::text[] as merged from sync_change_log
       where txid >= ${String(first.xmin)}::xid8 and txid < ${String(last.xmax)}::xid8
         and pg_visible_in_snapshot(txid, ${last.text}::pg_snapshot) and not pg_visible_in_snapshot(txid, ${first.text}::pg_snapshot)`.execute(this.db);
    const entries: LogEntry[] = [];
    for (const row of r.rows) {
      const txid = BigInt(row.txid);
      const win = chosen.find((c) => visibleIn(txid, c.snap));
      if (!win) continue;
      const e = toEntry(row, win.w);
      if (cmp(e.pos, from) > 0 && cmp(e.pos, until) <= 0) entries.push(e);
    }
    entries.sort((a, b) => cmp(a.pos, b.pos));
    const lastWin = chosen[take - 1];
    let end: Pos = { w: lastWin.w, s: lastWin.lastSeq ?? (entries.length ? entries[entries.length - 1].pos.s : 0n) };
    if (cmp(end, until) > 0) end = until;
    if (cmp(end, from) < 0) end = from;
    return { entries, end };
  }

  /**
   * Retention: drops whole windows recorded before `olderThanMs`, or beyond the newest
   * `maxEntries` entries, and moves the horizon. Clients behind the horizon get 409.
   */
  async retain(opts: { olderThanMs: number; maxEntries: number }): Promise<{ droppedEntries: number }> {
    const byAge = await sql<{ w: string | null }>`
      select max(w)::text as w from sync_windows where at < now() - make_interval(secs => ${opts.olderThanMs / 1000})`.execute(this.db);
    const bySize = await sql<{ w: string | null }>`
      select max(w)::text as w from (select w, sum(coalesce(entries, 0)) over (order by w desc) as newer from sync_windows) x
       where newer > ${opts.maxEntries}`.execute(this.db);
    const cands = [byAge.rows[0]?.w, bySize.rows[0]?.w].filter((x): x is string => !!x).map(BigInt);
    if (!cands.length) return { droppedEntries: 0 };
    const max = cands.reduce((a, b) => (a > b ? a : b));
    // Never drop the window the tail is in: positions must stay resolvable. (Window numbers
    // have gaps across restarts: the recorded window at or before the limit.)
    const win = await sql<{ w: string; snap: string; last_seq: string | null }>`
      select w::text as w, snap, last_seq::text as last_seq from sync_windows
       where w <= ${String(max)} and w < ${String(this.tail.w)} order by sync_windows.w desc limit 1`.execute(this.db);
    if (!win.rows[0]) return { droppedEntries: 0 };
    const cut = BigInt(win.rows[0].w);
    const horizon: Pos = { w: cut, s: BigInt(win.rows[0].last_seq ?? '0') };
    if (cmp(horizon, this.horizon) <= 0) return { droppedEntries: 0 };
    // Horizon first: a reader that sees it refuses positions behind it before rows disappear.
    await sql`insert into sync_engine_state (key, value, updated_at) values ('horizon', ${JSON.stringify({ w: String(horizon.w), s: String(horizon.s) })}::jsonb, now())
              on conflict (key) do update set value = excluded.value, updated_at = now()`.execute(this.db);
    this.horizon = horizon;
    const snap = win.rows[0].snap;
    const d = await sql`delete from sync_change_log where txid < pg_snapshot_xmax(${snap}::pg_snapshot) and pg_visible_in_snapshot(txid, ${snap}::pg_snapshot)`.execute(this.db);
    // Keep the cut window's row: it is the "previous snapshot" of the next window.
    await sql`delete from sync_windows where w < ${String(cut)}`.execute(this.db);
    if (cmp(this.bufferStart, horizon) < 0) {
      this.buffer = this.buffer.filter((e) => cmp(e.pos, horizon) > 0);
      this.bufferStart = horizon;
    }
    return { droppedEntries: Number(d.numAffectedRows ?? 0n) };
  }

  /**
   * Compaction (the sync_compaction migration, ./compaction.ts): in the windows recorded before `olderThanMs` —
   * never the tail's — each row's entries are merged into its last one, which keeps its position,
   * so every stored offset stays valid and the log keeps about one entry per changed row. One scan
   * per run, at most `maxKeys` rows merged, in transactions of `batchKeys` rows. Window entry
   * counts are kept exact (retention by size counts them).
   */
  async compact(opts: { olderThanMs: number; batchKeys?: number; maxKeys?: number }): Promise<{ removedEntries: number; rows: number }> {
    const out = { removedEntries: 0, rows: 0 };
    const c = await sql<{ w: string | null }>`
      select max(w)::text as w from sync_windows where at < now() - make_interval(secs => ${opts.olderThanMs / 1000})`.execute(this.db);
    if (!c.rows[0]?.w) return out;
    const max = BigInt(c.rows[0].w);
    const win = await sql<{ w: string; snap: string; last_seq: string | null }>`
      select w::text as w, snap, last_seq::text as last_seq from sync_windows
       where w > ${String(this.horizon.w)} and w <= ${String(max)} and w < ${String(this.tail.w)} order by sync_windows.w`.execute(this.db);
    const windows = win.rows.map((r) => ({ w: BigInt(r.w), snap: parseSnapshot(r.snap), lastSeq: r.last_seq }));
    if (!windows.length) return out;
    const cut = windows[windows.length - 1].w;
    const snap = windows[windows.length - 1].snap.text;
    /** The window that first saw txid: snapshots only ever see more, so a binary search. */
    const windowOf = (txid: bigint): bigint | null => {
      let lo = 0;
      let hi = windows.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (visibleIn(txid, windows[mid].snap)) hi = mid;
        else lo = mid + 1;
      }
      return lo < windows.length ? windows[lo].w : null;
    };
    const pks = await sql<{ tbl: string; pk: string[] }>`
      select c.relname::text as tbl, array_agg(a.attname::text order by a.attnum) as pk
        from pg_index i join pg_class c on c.oid = i.indrelid
        join pg_attribute a on a.attrelid = c.oid and a.attnum = any (i.indkey)
       where i.indisprimary and c.relnamespace = 'public'::regnamespace
       group by c.relname`.execute(this.db);
    const pkOf = new Map(pks.rows.map((r) => [r.tbl, r.pk]));
    // One scan finds the rows with more than one entry (oldest first); they are merged in batches,
    // each in its own transaction. What is beyond maxKeys waits for the next run.
    const groups = await sql<{ tbl: string; seqs: string[] }>`
      select tbl, array_agg(seq order by seq)::text[] as seqs from sync_change_log
       where key is not null and txid < pg_snapshot_xmax(${snap}::pg_snapshot) and pg_visible_in_snapshot(txid, ${snap}::pg_snapshot)
       group by tbl, key having count(*) > 1
       order by min(seq) limit ${opts.maxKeys ?? 50_000}`.execute(this.db);
    const batchKeys = opts.batchKeys ?? 2_000;
    for (let b = 0; b < groups.rows.length; b += batchKeys) {
      const todo = groups.rows.slice(b, b + batchKeys);
      const seqs = todo.flatMap((g) => g.seqs);
      const raw = await sql<{ seq: string; txid: string; op: CompactableEntry['op']; row: CompactableEntry['row']; old: CompactableEntry['old']; merged: string[] | null }>`
        select seq::text as seq, txid::text as txid, op, row, old, merged::text[] as merged from sync_change_log
         where seq = any (${seqs}::bigint[])`.execute(this.db);
      const bySeq = new Map(raw.rows.map((r) => [r.seq, r]));
      const keep: { seq: string; op: string; row: unknown; old: unknown; merged: string[] }[] = [];
      const remove: string[] = [];
      const perWindow = new Map<bigint, number>();
      for (const g of todo) {
        const entries: CompactableEntry[] = g.seqs.flatMap((s) => {
          const r = bySeq.get(s);
          return r ? [{ seq: BigInt(r.seq), txid: BigInt(r.txid), op: r.op, row: r.row, old: r.old, merged: r.merged?.map(BigInt) ?? null }] : [];
        });
        const m = mergeRun(entries, pkOf.get(g.tbl) ?? ['id']);
        if (!m) continue;
        keep.push({ seq: String(m.keep.seq), op: m.keep.op, row: m.keep.row, old: m.keep.old, merged: m.keep.merged.map(String) });
        for (const s of m.remove) {
          remove.push(String(s));
          const w = windowOf(entries.find((e) => e.seq === s)!.txid);
          if (w !== null) perWindow.set(w, (perWindow.get(w) ?? 0) + 1);
        }
        out.rows++;
      }
      if (!keep.length) continue;
      await this.db.transaction().execute(async (trx) => {
        await sql`
          update sync_change_log l set op = v.op, row = v.row, old = v.old,
                 merged = array(select jsonb_array_elements_text(v.merged)::xid8)
            from jsonb_to_recordset(${JSON.stringify(keep)}::jsonb) as v(seq bigint, op text, row jsonb, old jsonb, merged jsonb)
           where l.seq = v.seq`.execute(trx);
        await sql`delete from sync_change_log where seq = any (${remove}::bigint[])`.execute(trx);
        if (perWindow.size) {
          await sql`
            update sync_windows s set entries = greatest(0, s.entries - d.n)
              from unnest(${[...perWindow.keys()].map(String)}::bigint[], ${[...perWindow.values()]}::int[]) as d(w, n)
             where s.w = d.w and s.entries is not null`.execute(trx);
        }
      });
      out.removedEntries += remove.length;
    }
    // Reads up to the cut now come from the compacted log, not from the copies kept in memory.
    const lastSeq = windows[windows.length - 1].lastSeq;
    const edge: Pos = { w: cut, s: lastSeq === null ? (1n << 63n) - 1n : BigInt(lastSeq) };
    if (out.removedEntries && cmp(this.bufferStart, edge) < 0) {
      this.buffer = this.buffer.filter((e) => cmp(e.pos, edge) > 0);
      this.bufferStart = edge;
    }
    return out;
  }
}
