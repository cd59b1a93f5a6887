// The embedded shape engine: speaks the Electric Shape HTTP API (docs/electric-shape-api.md §2.1)
// over the trigger-fed change log, for PostgreSQL and PGlite alike.
//
// A shape *instance* is one snapshot of a definition: handle, start position and the
// pg_current_snapshot() it was read in. Every `offset=-1` request takes a new snapshot (and gets a
// new handle); later requests with that handle read the shared log from the instance's position,
// filtered by the definition and by the snapshot (entries of transactions visible in it are already
// in the snapshot). One tailer reads the log for all instances and wakes the long-polls.
import { createHash, randomBytes } from 'node:crypto';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { compilePredicate, compileSql, quoteIdent, reviveFilter, filterColumns, filterKey, type Row } from '../protocol/filter';
import { HEADER, messageKey, nextCursor, txid32, type ChangeMessage } from '../protocol/electric';
import { resolveShape, shapeIdentity, type ShapeActor, type ShapeDefinition, type Replica } from '../protocol/shapes';
import { cmp, fmt, isChunk, parseOffset, parseSnapshot, visibleIn, type PgSnapshot, type Pos } from './offsets';
import { loadTableSchema, schemaHeader, type TableSchema } from './schema';
import { Tailer, type LogEntry, type TailerWindow } from './tailer';

/** A source of change-log reads another reader in the process can follow (SyncEngine.changeWindows). */
export interface ChangeWindowSource {
  onWindow(fn: (w: TailerWindow) => void): () => void;
  kick(): void;
  /** Initialised, not stopped, and its last read succeeded. */
  reading(): boolean;
  /** It is woken by NOTIFY itself. */
  wakesItself(): boolean;
}

export type EngineKind = 'postgres' | 'pglite';

/** What PGlite offers for notifications (`PGlite#listen`). */
export interface PgliteListen {
  listen(channel: string, cb: (payload: string) => void): Promise<unknown>;
}

export interface SyncEngineOptions {
  db: Kysely<any>;
  engine: EngineKind;
  /** PostgreSQL: a dedicated LISTEN connection is opened with this URL. */
  databaseUrl?: string;
  /** PGlite: its instance, to be woken by NOTIFY in-process; without it the engine polls. */
  pglite?: PgliteListen;
  /** Long-poll hold (Electric: 20 s). */
  longPollMs?: number;
  /** Change-log retention. */
  retentionMs?: number;
  retentionMaxEntries?: number;
  /** Change-log compaction: history older than this keeps one entry per row (the sync_compaction migration). */
  compactAfterMs?: number;
  /** Shape handles unused this long are forgotten (their clients re-sync). */
  shapeTtlMs?: number;
  /** Poll interval while long-polls wait and no notification channel exists. */
  pollMs?: number;
  /** Upper bounds of one response. */
  maxMessages?: number;
  maxBytes?: number;
  log?: (level: 'info' | 'warn' | 'error', msg: string, data?: Record<string, unknown>) => void;
  /** Registers a hot statement's SQL text as a named (prepared) statement (TailerOptions.prepare). */
  prepare?: (sqlText: string) => unknown;
}

interface Instance {
  handle: string;
  identity: string;
  def: ShapeDefinition;
  log: 'full' | 'changes_only';
  schema: TableSchema;
  start: Pos;
  snap: PgSnapshot;
  pred: (row: Row) => boolean;
  selected: Set<string>;
  /** The `electric-schema` header, made on first use. */
  schemaHeader?: string;
  /** Identity + schema as a short key for the shared live batches (liveBatch). */
  sharedKey?: string;
  /** Snapshot chunks not yet all served (JSON message lists without brackets), filled while read. */
  chunks?: SnapshotChunks;
  touchedAt: number;
  usedAt: number;
}

interface SnapshotChunks {
  parts: string[];
  /** `snapshot-end` message. */
  tail: string;
  expires: number;
  /** The read has ended (all parts are there, or it failed). */
  done: boolean;
  error?: Error;
  waiters: Set<() => void>;
}

/** Rows per FETCH from the snapshot cursor. */
const SNAPSHOT_PAGE = 1_000;

class Refetch extends Error {}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

/**
 * One answer of the Shape API before it becomes an HTTP `Response`. The `/ws` mux
 * (sync/server/mux.ts) sends it as it is: a woken long-poll answers a hundred devices at once, and
 * a web `Response` per answer (headers object, body stream, reading it back) was a tenth of that.
 */
export interface ShapeReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** A live batch shared by many instances: its body as a JSON string, encoded once for all (mux). */
  shared?: { json?: string };
}

export const toResponse = (r: ShapeReply): Response => new Response(r.body, { status: r.status, headers: r.headers });

function jsonError(status: number, code: string, message: string, extra: Record<string, unknown> = {}): Response {
  return new Response(JSON.stringify({ error: { code, message, ...extra } }), { status, headers: JSON_HEADERS });
}

/** A live batch as the client receives it: encoded once, answered to every instance it fits. */
interface Encoded {
  body: string;
  /** `body` as a JSON string value, made once by the first socket that sends it. */
  json?: string;
  end: Pos;
  complete: boolean;
  hasData: boolean;
}

/** A live batch being encoded for every instance of one shape identity waiting at one offset. */
type SharedLive = Promise<{ enc: Encoded; minTxid: bigint | null } | null>;

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export type Resolved = { ok: true; shape: ShapeDefinition } | { ok: false; response: Response };

export class SyncEngine {
  readonly db: Kysely<any>;
  readonly tailer: Tailer;
  private readonly o: Required<Omit<SyncEngineOptions, 'databaseUrl' | 'pglite' | 'log' | 'db' | 'engine' | 'prepare'>> & SyncEngineOptions;
  private readonly instances = new Map<string, Instance>();
  private readonly reserved = new Map<string, string>();
  private readonly schemas = new Map<string, { at: number; schema: TableSchema }>();
  /** Long-polls waiting for changes, by table. */
  private readonly waiters = new Map<string, Set<() => void>>();
  /**
   * Live batches encoded since the last publish, by shape identity + schema + offset: every device
   * following the same shape is woken by the same commit, and one conversion and one JSON encoding
   * serve them all (see `liveBatch`). Emptied on every publish.
   */
  private readonly shared = new Map<string, SharedLive>();
  /**
   * Definitions resolved for an actor (the auth service hands out the same actor object while its
   * credential is cached), and each definition's identity: a live request re-resolves its shape
   * every time, and building the definition and its canonical JSON was a fifth of answering it.
   */
  private readonly resolved = new WeakMap<ShapeActor, Map<string, { at: number; shape: ShapeDefinition }>>();
  private readonly identities = new WeakMap<ShapeDefinition, string>();
  private readonly identityNos = new Map<string, number>();
  private identitySeq = 0;
  /** Live batches answered from another instance's encoding / computed for one instance alone. */
  readonly stats = { liveShared: 0, livePrivate: 0 };
  private started: Promise<void> | null = null;
  private stopped = false;
  private listenClient: { end(): Promise<void> } | null = null;
  private hasNotifications = false;
  private timers: ReturnType<typeof setInterval>[] = [];
  private setting: { at: number; days: number } | null = null;
  /** Bumped on every schema notification; a long-poll re-checks its table's schema when it moved. */
  private schemaEpoch = 0;

  constructor(opts: SyncEngineOptions) {
    this.o = {
      longPollMs: 20_000,
      retentionMs: 7 * 86_400_000,
      retentionMaxEntries: 2_000_000,
      compactAfterMs: 3_600_000,
      shapeTtlMs: 30 * 86_400_000,
      pollMs: 50,
      maxMessages: 5_000,
      maxBytes: 8 * 1024 * 1024,
      ...opts
    };
    this.db = opts.db;
    this.tailer = new Tailer(opts.db, { log: (l, m, d) => this.o.log?.(l, m, d), prepare: opts.prepare });
    this.tailer.onPublish((tables) => {
      this.shared.clear();
      this.wake(tables);
    });
  }

  /**
   * The tailer's reads, for the real-time feed of this process (realtime/feed.ts follow()): one
   * read of the change log serves both. `wakesItself`: the engine's own LISTEN is up, so the feed
   * need not kick the tailer on every notification it receives too.
   */
  changeWindows(): ChangeWindowSource {
    return {
      onWindow: (fn) => this.tailer.onWindow(fn),
      kick: () => this.tailer.kick(),
      reading: () => this.tailer.reading,
      wakesItself: () => this.hasNotifications && !this.stopped && (this.o.engine === 'pglite' || this.listenClient !== null)
    };
  }

  /** Starts the tailer and the notification channel (idempotent; called lazily by requests). */
  start(): Promise<void> {
    this.started ??= this.boot().catch((e) => {
      this.started = null;
      throw e;
    });
    return this.started;
  }

  private async boot() {
    await this.tailer.init();
    // Without a notification channel the engine still works: it polls while long-polls wait.
    await this.listen().catch((e) => this.o.log?.('warn', 'sync LISTEN unavailable; polling instead', { error: String(e) }));
    this.tailer.kick();
    // A safety net under NOTIFY, a poller without it: only while long-polls wait.
    this.timers.push(
      setInterval(() => {
        if (this.waiting()) this.tailer.kick();
      }, this.hasNotifications ? 2_000 : this.o.pollMs)
    );
    this.timers.push(setInterval(() => void this.maintain().catch((e) => this.o.log?.('warn', 'sync maintenance failed', { error: String(e) })), 10 * 60_000));
    for (const t of this.timers) t.unref?.();
    void this.maintain().catch(() => {});
  }

  private async listen() {
    const kick = (payload?: string) => {
      if (payload === 'schema') this.schemaChanged();
      this.tailer.kick();
    };
    if (this.o.engine === 'pglite' && this.o.pglite) {
      await this.o.pglite.listen('outpost_changes', kick);
      this.hasNotifications = true;
      return;
    }
    if (this.o.engine === 'postgres' && this.o.databaseUrl) {
      const pg = (await import('pg')).default;
      const connect = async (): Promise<void> => {
        if (this.stopped) return;
        const client = new pg.Client({ connectionString: this.o.databaseUrl, application_name: 'outpost-sync-listen' });
        client.on('notification', (n) => kick(n.payload));
        client.on('error', (e) => {
          this.o.log?.('warn', 'sync LISTEN connection lost; reconnecting', { error: e.message });
          client.end().catch(() => {});
          if (this.listenClient === client) this.listenClient = null;
          const retry = () => setTimeout(() => void connect().catch(retry), 1_000).unref?.();
          retry();
          kick();
        });
        await client.connect();
        await client.query('listen outpost_changes');
        this.listenClient = client;
        // Notifications may have been missed while disconnected, schema ones included.
        this.schemaChanged();
        kick();
      };
      await connect();
      this.hasNotifications = true;
    }
  }

  async stop() {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.tailer.stop();
    this.wake();
    await this.listenClient?.end().catch(() => {});
    this.listenClient = null;
  }

  /** A table definition changed (DDL event trigger): reload schemas, re-check waiting long-polls. */
  private schemaChanged() {
    this.schemas.clear();
    this.schemaEpoch++;
    this.wake();
  }

  private waiting(): boolean {
    for (const s of this.waiters.values()) if (s.size) return true;
    return false;
  }

  /** Wakes the long-polls of these tables (all when omitted). */
  private wake(tables?: Set<string>) {
    for (const [t, set] of this.waiters) {
      if (tables && !tables.has(t)) continue;
      const ws = [...set];
      set.clear();
      for (const w of ws) w();
    }
  }

  /** Retention and compaction of the log, forgetting unused handles, and schema refresh. */
  async maintain() {
    const r = await this.tailer.retain({ olderThanMs: this.o.retentionMs, maxEntries: this.o.retentionMaxEntries });
    if (r.droppedEntries) this.o.log?.('info', 'sync change log trimmed', { droppedEntries: r.droppedEntries, horizon: fmt(this.tailer.horizon) });
    const c = await this.tailer.compact({ olderThanMs: this.o.compactAfterMs });
    if (c.removedEntries) this.o.log?.('info', 'sync change log compacted', { removedEntries: c.removedEntries, rows: c.rows });
    await sql`delete from sync_shapes where last_used_at < now() - make_interval(secs => ${this.o.shapeTtlMs / 1000})`.execute(this.db);
    const now = Date.now();
    for (const [h, i] of this.instances) if (now - i.usedAt > 3_600_000) this.instances.delete(h);
    this.schemas.clear();
  }

  // ─── Gatekeeper side: which shape does this request mean? ─────────────────────────────────
  async closedTicketDays(): Promise<number> {
    if (this.setting && Date.now() - this.setting.at < 10_000) return this.setting.days;
    const r = await sql<{ value: unknown }>`select value from system_settings where key = 'sync.closedTicketDays'`.execute(this.db);
    const v = Number(r.rows[0]?.value ?? 30);
    this.setting = { at: Date.now(), days: Number.isFinite(v) && v >= 0 ? v : 30 };
    return this.setting.days;
  }

  /** `?shape=<name>` for this actor → its definition, or a 400/403 response. */
  async resolve(actor: ShapeActor, url: URL): Promise<Resolved> {
    const name = url.searchParams.get('shape');
    if (!name) return { ok: false, response: jsonError(400, 'validation', 'shape: name a shape, e.g. ?shape=tickets', { fields: [{ field: 'shape', message: 'is required' }] }) };
    const replicaParam = url.searchParams.get('replica') ?? 'default';
    if (replicaParam !== 'default' && replicaParam !== 'full') return { ok: false, response: jsonError(400, 'validation', 'replica: must be default or full') };
    const closedTicketDays = await this.closedTicketDays();
    const key = `${name}|${replicaParam}|${closedTicketDays}`;
    let mine = this.resolved.get(actor);
    const hit = mine?.get(key);
    if (hit && Date.now() - hit.at < 10_000) return { ok: true, shape: hit.shape };
    const r = resolveShape(name, actor, { closedTicketDays }, replicaParam as Replica);
    if (!r.ok) return { ok: false, response: jsonError(403, 'forbidden', r.reason === 'unknown' ? `No shape named ${name} for you` : `You may not sync ${name}`) };
    if (!mine) this.resolved.set(actor, (mine = new Map()));
    if (mine.size > 64) mine.clear();
    mine.set(key, { at: Date.now(), shape: r.shape });
    return { ok: true, shape: r.shape };
  }

  /** Resolve + serve: the whole gatekeeper for the embedded engine. */
  async handleShapeRequest(actor: ShapeActor, url: URL, signal?: AbortSignal): Promise<Response> {
    const r = await this.resolve(actor, url);
    if (!r.ok) return r.response;
    return this.serve(r.shape, url, signal);
  }

  // ─── The Shape API ──────────────────────────────────────────────────────────────────────────
  async serve(def: ShapeDefinition, url: URL, signal?: AbortSignal): Promise<Response> {
    return toResponse(await this.reply(def, url, signal));
  }

  /** `serve` without the web `Response` (what the `/ws` mux sends). */
  async reply(def: ShapeDefinition, url: URL, signal?: AbortSignal): Promise<ShapeReply> {
    if (this.stopped) return { status: 503, headers: { ...JSON_HEADERS, 'retry-after': '1' }, body: JSON.stringify({ error: { code: 'unavailable', message: 'Shutting down' } }) };
    await this.start();
    const q = url.searchParams;
    const offset = q.get('offset') ?? '-1';
    const liveParam = q.get('live');
    const live = liveParam !== null && liveParam !== 'false';
    const handle = q.get('handle');
    const logMode = q.get('log') === 'changes_only' ? 'changes_only' : 'full';
    const initial = offset === '-1' || offset === 'now';
    const pos = initial ? null : parseOffset(offset);
    if (!initial && !pos) return this.badRequest('offset', 'must be -1, now or <int>_<int>');
    if (live && initial) return this.badRequest('live', 'cannot be used with offset=-1 or now');
    if (!initial && !handle) return this.badRequest('handle', 'is required when offset is not -1 or now');
    if (q.get('live_sse') === 'true' || q.get('experimental_live_sse') === 'true') return this.badRequest('live_sse', 'is not supported by this server; use long polling');
    let base = this.identities.get(def);
    if (base === undefined) this.identities.set(def, (base = shapeIdentity(def)));
    const identity = `${base}|${logMode}`;

    try {
      if (initial) return await this.createInstance(def, identity, logMode, offset === 'now', handle);
      const inst = await this.lookup(handle!);
      if (!inst || inst.identity !== identity) return this.mustRefetch(identity);
      const schema = await this.schemaOf(def.table);
      if (schema.hash !== inst.schema.hash) return this.mustRefetch(identity);
      inst.usedAt = Date.now();
      this.touch(inst);
      if (isChunk(pos!)) return await this.serveChunk(inst, pos!, identity);
      if (cmp(pos!, inst.start) < 0) return this.badRequest('offset', 'is before the start of this shape');
      if (cmp(pos!, this.tailer.horizon) < 0) return this.mustRefetch(identity);
      if (cmp(pos!, this.tailer.tail) > 0) {
        await this.tailer.sync();
        if (cmp(pos!, this.tailer.tail) > 0) return this.badRequest('offset', 'out of bounds for this shape');
      }
      if (!live) await this.tailer.sync();
      let batch = live ? await this.liveBatch(inst, pos!) : this.encode(await this.collect(inst, pos!));
      if (live && !batch.hasData && batch.complete) {
        const deadline = Date.now() + this.o.longPollMs;
        let epoch = this.schemaEpoch;
        while (!batch.hasData && batch.complete && Date.now() < deadline && !signal?.aborted && !this.stopped) {
          await this.waitForPublish(def.table, batch.end, deadline - Date.now(), signal);
          if (epoch !== this.schemaEpoch) {
            epoch = this.schemaEpoch;
            if ((await this.schemaOf(def.table)).hash !== inst.schema.hash) return this.mustRefetch(identity);
          }
          batch = await this.liveBatch(inst, batch.end);
        }
      }
      const reply = this.respond(inst, batch.body, fmt(batch.end), { live, upToDate: batch.complete, hasData: batch.hasData, cursor: q.get('cursor') });
      if (live) reply.shared = batch;
      return reply;
    } catch (e) {
      if (e instanceof Refetch) return this.mustRefetch(identity);
      throw e;
    }
  }

  private badRequest(field: string, message: string): ShapeReply {
    return { status: 400, headers: JSON_HEADERS, body: JSON.stringify({ message: 'Invalid request', errors: { [field]: [message] } }) };
  }

  private newHandle(identity: string): string {
    return `${sha(identity).slice(0, 8)}-${Date.now()}${String(Math.floor(performance.now() * 1000) % 1000).padStart(3, '0')}-${randomBytes(5).toString('hex')}`;
  }

  /** 409: the client drops its copy of the shape and starts again with the handle given. */
  private mustRefetch(identity: string): ShapeReply {
    const h = this.newHandle(identity);
    this.reserved.set(h, identity);
    if (this.reserved.size > 10_000) this.reserved.delete(this.reserved.keys().next().value!);
    return { status: 409, headers: { ...JSON_HEADERS, [HEADER.handle]: h }, body: JSON.stringify([{ headers: { control: 'must-refetch' } }]) };
  }

  private async schemaOf(table: string): Promise<TableSchema> {
    const c = this.schemas.get(table);
    if (c && Date.now() - c.at < 60_000) return c.schema;
    const schema = await loadTableSchema(this.db, table);
    this.schemas.set(table, { at: Date.now(), schema });
    return schema;
  }

  private build(def: ShapeDefinition, identity: string, log: Instance['log'], schema: TableSchema, handle: string, start: Pos, snap: PgSnapshot): Instance {
    for (const c of [...def.columns, ...filterColumns(def.where)]) if (!schema.columns[c]) throw new Error(`shape ${def.name}: column ${c} is not in ${def.table}`);
    for (const c of schema.pk) if (!def.columns.includes(c)) throw new Error(`shape ${def.name}: primary key column ${c} must be selected`);
    const now = Date.now();
    return { handle, identity, def, log, schema, start, snap, pred: compilePredicate(def.where, schema.types), selected: new Set(def.columns), touchedAt: now, usedAt: now };
  }

  private async lookup(handle: string): Promise<Instance | null> {
    const m = this.instances.get(handle);
    if (m) return m;
    const r = await sql<{ identity: string; definition: any; start_offset: string; snapshot: string; schema_hash: string }>`
      select identity, definition, start_offset, snapshot, schema_hash from sync_shapes where handle = ${handle}`.execute(this.db);
    const row = r.rows[0];
    if (!row) return null;
    const d = row.definition;
    const def: ShapeDefinition = { name: d.name, table: d.table, columns: d.columns, where: reviveFilter(d.where), replica: d.replica };
    const schema = await this.schemaOf(def.table);
    if (schema.hash !== row.schema_hash) return null;
    const start = parseOffset(row.start_offset);
    if (!start) return null;
    const inst = this.build(def, row.identity, d.log ?? 'full', schema, handle, start, parseSnapshot(row.snapshot));
    this.instances.set(handle, inst);
    return inst;
  }

  private touch(inst: Instance) {
    if (Date.now() - inst.touchedAt < 10 * 60_000) return;
    inst.touchedAt = Date.now();
    void sql`update sync_shapes set last_used_at = now() where handle = ${inst.handle}`.execute(this.db).catch(() => {});
  }

  private async createInstance(def: ShapeDefinition, identity: string, log: Instance['log'], now: boolean, requested: string | null): Promise<ShapeReply> {
    const schema = await this.schemaOf(def.table);
    // Everything published so far is visible in the snapshot taken next (its windows' snapshots
    // were taken before it): the instance's log starts at the current tail. No need to wait for
    // the tailer to catch up first (after a bulk import that can take seconds): entries published
    // later whose transactions the snapshot already sees are skipped by `convert`.
    const start = this.tailer.tail;
    const handle = requested && this.reserved.get(requested) === identity ? requested : this.newHandle(identity);
    this.reserved.delete(handle);
    // Check the definition against the table before anything is read.
    this.build(def, identity, log, schema, handle, start, parseSnapshot('1:1:'));
    const snapshot = this.readSnapshot(def, identity, log, schema, handle, start, !now && log !== 'changes_only');
    const { snap, rows } = await snapshot.ready;
    const inst = this.build(def, identity, log, schema, handle, start, snap);
    inst.chunks = rows;
    this.instances.set(handle, inst);

    const upToDate = this.upToDate();
    if (now) return this.respond(inst, `[${upToDate}]`, fmt(start), { live: false, upToDate: true, hasData: false });
    return this.serveChunkAt(inst, 0, identity);
  }

  /**
   * The snapshot of a new instance, read in ONE repeatable-read transaction that also records the
   * instance (`sync_shapes`). `ready` resolves once the snapshot is taken; the rows then stream in
   * the background (a server-side cursor; PostgreSQL builds each message's JSON) into chunks that
   * the client fetches while the rest is still being read, so the first bytes leave after one page
   * instead of after the whole table.
   */
  private readSnapshot(def: ShapeDefinition, identity: string, log: Instance['log'], schema: TableSchema, handle: string, start: Pos, withRows: boolean) {
    const rows: SnapshotChunks = { parts: [], done: !withRows, expires: Date.now() + 10 * 60_000, waiters: new Set(), tail: '' };
    let resolveReady!: (v: { snap: PgSnapshot; rows: SnapshotChunks }) => void;
    let rejectReady!: (e: unknown) => void;
    const ready = new Promise<{ snap: PgSnapshot; rows: SnapshotChunks }>((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    const notify = () => {
      for (const w of [...rows.waiters]) w();
    };
    const where = compileSql(def.where);
    const table = quoteIdent(def.table);
    const cols = def.columns.map((c) => `${quoteIdent(c)}::text as ${quoteIdent(c)}`).join(', ');
    // Electric's message key `"public"."<table>"/"<pk>"…`, `/` doubled, NULL as `_`.
    const keyExpr = `'"public"."${def.table}"/' || ${schema.pk.map((c) => `'"' || replace(coalesce(x.${quoteIdent(c)}, '_'), '/', '//') || '"'`).join(` || '/' || `)}`;
    const headers = JSON.stringify({ operation: 'insert', relation: ['public', def.table] });
    const cursorSql = `declare outpost_snapshot no scroll cursor for
      select '{"key":' || to_json(${keyExpr})::text || ',"value":' || row_to_json(x)::text || ',"headers":${headers.replace(/'/g, "''")}}' as m
        from (select ${cols} from public.${table} where ${where.sql}) x`;
    const o = this.o;
    let snapText = '';
    const run = this.db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
      // The same text encoding as the capture triggers.
      await sql`select set_config('timezone', 'UTC', true), set_config('datestyle', 'ISO, DMY', true), set_config('intervalstyle', 'iso_8601', true),
                       set_config('extra_float_digits', '1', true), set_config('bytea_output', 'hex', true)`.execute(trx);
      snapText = (await sql<{ s: string }>`select pg_current_snapshot()::text as s`.execute(trx)).rows[0].s;
      const snap = parseSnapshot(snapText);
      // Recorded in this transaction: on PGlite (one connection) a query beside it would wait for it.
      await sql`insert into sync_shapes (handle, identity, tbl, definition, schema_hash, start_offset, snapshot)
                values (${handle}, ${identity}, ${def.table},
                        ${JSON.stringify({ name: def.name, table: def.table, columns: def.columns, where: JSON.parse(filterKey(def.where)), replica: def.replica, log })}::jsonb,
                        ${schema.hash}, ${fmt(start)}, ${snapText})`.execute(trx);
      rows.tail = JSON.stringify({ headers: { control: 'snapshot-end', xmin: String(snap.xmin), xmax: String(snap.xmax), xip_list: [...snap.xip].map(String) } });
      resolveReady({ snap, rows });
      if (!withRows) return;
      await trx.executeQuery(CompiledQuery.raw(cursorSql, where.params));
      // Chunks grow 256 KB, 512 KB, … up to maxBytes: the first one is quick to read and to apply.
      let cur: string[] = [];
      let bytes = 0;
      const limit = () => Math.min(o.maxBytes, 256 * 1024 * 2 ** rows.parts.length);
      for (;;) {
        const page = (await trx.executeQuery<{ m: string }>(CompiledQuery.raw(`fetch forward ${SNAPSHOT_PAGE} from outpost_snapshot`))).rows;
        for (const { m } of page) {
          if (cur.length && (bytes + m.length > limit() || cur.length >= 50_000)) {
            rows.parts.push(cur.join(','));
            notify();
            cur = [];
            bytes = 0;
          }
          cur.push(m);
          bytes += m.length;
        }
        if (page.length < SNAPSHOT_PAGE) break;
      }
      await trx.executeQuery(CompiledQuery.raw('close outpost_snapshot'));
      if (cur.length) rows.parts.push(cur.join(','));
    });
    run.then(
      () => {
        rows.done = true;
        notify();
      },
      (e) => {
        rejectReady(e);
        rows.error = e instanceof Error ? e : new Error(String(e));
        rows.done = true;
        notify();
        this.instances.delete(handle);
        this.o.log?.('warn', 'sync snapshot failed', { table: def.table, error: rows.error.message });
      }
    );
    return { ready };
  }

  /** Waits until chunk k is known to be complete (the next one started, or the read ended). */
  private async chunkReady(c: SnapshotChunks, k: number): Promise<void> {
    while (!c.done && c.parts.length <= k + 1) {
      await new Promise<void>((resolve) => {
        const w = () => {
          c.waiters.delete(w);
          resolve();
        };
        c.waiters.add(w);
      });
    }
  }

  private async serveChunkAt(inst: Instance, k: number, identity: string): Promise<ShapeReply> {
    const c = inst.chunks;
    if (!c || c.expires < Date.now()) return this.mustRefetch(identity);
    await this.chunkReady(c, k);
    if (c.error) return this.mustRefetch(identity);
    const upToDate = this.upToDate();
    const tailMsgs = `${c.tail},${upToDate}`;
    if (k === 0 && c.parts.length <= 1) {
      return this.respond(inst, `[${c.parts[0] ? c.parts[0] + ',' : ''}${tailMsgs}]`, fmt(inst.start), { live: false, upToDate: true, hasData: !!c.parts[0] });
    }
    if (k >= c.parts.length) return this.mustRefetch(identity);
    const last = k === c.parts.length - 1;
    if (last) c.expires = Math.min(c.expires, Date.now() + 60_000);
    return last
      ? this.respond(inst, `[${c.parts[k]},${tailMsgs}]`, fmt(inst.start), { live: false, upToDate: true, hasData: true })
      : this.respond(inst, `[${c.parts[k]}]`, `0_${k}`, { live: false, upToDate: false, hasData: true });
  }

  private serveChunk(inst: Instance, pos: Pos, identity: string): Promise<ShapeReply> {
    return this.serveChunkAt(inst, Number(pos.s) + 1, identity);
  }

  private upToDate(): string {
    return JSON.stringify({ headers: { control: 'up-to-date', global_last_seen_lsn: String(this.tailer.tail.w) } });
  }

  private respond(inst: Instance, body: string, offset: string, o: { live: boolean; upToDate: boolean; hasData: boolean; cursor?: string | null }): ShapeReply {
    const headers: Record<string, string> = {
      ...JSON_HEADERS,
      [HEADER.handle]: inst.handle,
      [HEADER.offset]: offset,
      [HEADER.hasData]: String(o.hasData)
    };
    if (o.live) headers[HEADER.cursor] = nextCursor(o.cursor ?? null);
    else headers[HEADER.schema] = inst.schemaHeader ??= schemaHeader(inst.schema, inst.def.columns);
    if (o.upToDate) headers[HEADER.upToDate] = '';
    return { status: 200, headers, body };
  }

  private encode(batch: Batch): Encoded {
    const msgs = batch.messages;
    // `last` on the final message of each transaction in this response.
    const lastOf = new Map<number, ChangeMessage>();
    for (const m of msgs) lastOf.set(m.headers.txids![0], m);
    for (const m of lastOf.values()) m.headers.last = true;
    const parts = msgs.map((m) => JSON.stringify(m));
    if (batch.complete) parts.push(this.upToDate());
    return { body: `[${parts.join(',')}]`, end: batch.end, complete: batch.complete, hasData: msgs.length > 0 };
  }

  /**
   * The live batch after `from` for a woken long-poll. What an instance receives depends on its
   * definition and schema (the identity), on `from` and on the tail — and on its snapshot, but only
   * for entries of transactions the snapshot already saw. So the batch is converted and encoded once
   * per identity, offset and tail, without the snapshot filter, and serves every instance for which
   * that filter would drop nothing: the instance started at or before `from`, and every entry of
   * the table is of a transaction at or after its snapshot's xmax (never visible in it). Any other
   * instance, and a batch that needs a refetch, is computed for the instance alone as before.
   */
  private async liveBatch(inst: Instance, from: Pos): Promise<Encoded> {
    if (cmp(from, inst.start) >= 0) {
      inst.sharedKey ??= `${this.identityNo(inst.identity)}|${inst.schema.hash}`;
      const key = `${inst.sharedKey}|${fmt(from)}`;
      // The map is emptied on every publish, the only moment the tail moves: an entry is current.
      let s = this.shared.get(key);
      const reused = !!s;
      if (!s) this.shared.set(key, (s = this.collectShared(inst, from)));
      const r = await s;
      if (r && (r.minTxid === null || r.minTxid >= inst.snap.xmax)) {
        if (reused) this.stats.liveShared++;
        return r.enc;
      }
    }
    this.stats.livePrivate++;
    return this.encode(await this.collect(inst, from));
  }

  /** A small number per shape identity (identities are long JSON texts; keys are made per request). */
  private identityNo(identity: string): number {
    let n = this.identityNos.get(identity);
    if (n === undefined) {
      if (this.identityNos.size > 100_000) this.identityNos.clear();
      this.identityNos.set(identity, (n = ++this.identitySeq));
    }
    return n;
  }

  private async collectShared(inst: Instance, from: Pos): Promise<{ enc: Encoded; minTxid: bigint | null } | null> {
    const seen = { minTxid: null as bigint | null };
    try {
      return { enc: this.encode(await this.collect(inst, from, seen)), minTxid: seen.minTxid };
    } catch (e) {
      if (e instanceof Refetch) return null;
      throw e;
    }
  }

  private waitForPublish(table: string, since: Pos, ms: number, signal?: AbortSignal): Promise<void> {
    // Published between our read and now: no wake-up would come.
    if (cmp(this.tailer.tail, since) > 0) return Promise.resolve();
    let set = this.waiters.get(table);
    if (!set) this.waiters.set(table, (set = new Set()));
    const waiters = set;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
      // No notification channel: the poll timer kicks the tailer while someone waits.
      if (!this.hasNotifications) this.tailer.kick();
    });
  }

  private key(inst: Instance, row: Row): string {
    return messageKey(inst.def.table, inst.schema.pk.map((c) => row[c] ?? null));
  }

  /** The shape's messages after `from`, up to the response limits. */
  /** `shared`: convert without the snapshot filter, recording the table's smallest txid (liveBatch). */
  private async collect(inst: Instance, from: Pos, shared?: { minTxid: bigint | null }): Promise<Batch> {
    const messages: ChangeMessage[] = [];
    let bytes = 0;
    let pos = from;
    for (;;) {
      const tail = this.tailer.tail;
      if (cmp(pos, tail) >= 0) return { messages, end: pos, complete: true };
      const { entries, end } = await this.tailer.readAfter(pos, 2_000);
      for (const e of entries) {
        if (shared && e.tbl === inst.def.table && (shared.minTxid === null || e.txid < shared.minTxid)) shared.minTxid = e.txid;
        for (const m of this.convert(inst, e, !!shared)) {
          messages.push(m);
          bytes += 200 + Object.keys(m.value).length * 24;
        }
        if (messages.length >= this.o.maxMessages || bytes >= this.o.maxBytes) {
          return { messages, end: e.pos, complete: cmp(e.pos, this.tailer.tail) >= 0 };
        }
      }
      if (cmp(end, pos) <= 0) return { messages, end: pos, complete: cmp(pos, this.tailer.tail) >= 0 };
      pos = end;
    }
  }

  private pick(inst: Instance, row: Row, cols: Iterable<string>): Row {
    const out: Row = {};
    for (const c of cols) if (inst.selected.has(c)) out[c] = row[c] ?? null;
    return out;
  }

  private convert(inst: Instance, e: LogEntry, unfiltered = false): ChangeMessage[] {
    if (e.tbl !== inst.def.table) return [];
    if (!unfiltered && (cmp(e.pos, inst.start) <= 0 || visibleIn(e.txid, inst.snap))) return [];
    if (e.op === 'truncate') throw new Refetch();
    const headers = (operation: ChangeMessage['headers']['operation']): ChangeMessage['headers'] => ({
      operation,
      relation: ['public', inst.def.table],
      txids: e.merged ? [txid32(e.txid), ...e.merged.map(txid32)] : [txid32(e.txid)],
      lsn: String(e.pos.w),
      op_position: Number(e.pos.s)
    });
    const full = inst.def.replica === 'full';
    const pkOnly = (row: Row) => this.pick(inst, row, inst.schema.pk);
    const all = (row: Row) => this.pick(inst, row, inst.def.columns);
    if (e.merged) {
      // Compacted history (tailer.compact): the client may hold any earlier image of the row, or
      // none. The whole final row when it is in the shape (applied as an upsert), else a delete (a
      // no-op for a client that does not hold it).
      const last = e.op === 'delete' ? e.old : e.row;
      if (!last) return [];
      if (e.op !== 'delete' && inst.pred(last)) return [{ key: this.key(inst, last), value: all(last), headers: headers('insert') }];
      return [{ key: this.key(inst, last), value: full ? all(last) : pkOnly(last), headers: headers('delete') }];
    }
    if (e.op === 'insert') {
      return e.row && inst.pred(e.row) ? [{ key: this.key(inst, e.row), value: all(e.row), headers: headers('insert') }] : [];
    }
    if (e.op === 'delete') {
      return e.old && inst.pred(e.old) ? [{ key: this.key(inst, e.old), value: full ? all(e.old) : pkOnly(e.old), headers: headers('delete') }] : [];
    }
    const now = e.row!;
    const changed = e.old ?? {};
    const before: Row = { ...now, ...changed };
    const wasIn = inst.pred(before);
    const isIn = inst.pred(now);
    const oldKey = this.key(inst, before);
    const newKey = this.key(inst, now);
    if (oldKey !== newKey) {
      const out: ChangeMessage[] = [];
      if (wasIn) {
        const h = headers('delete');
        if (isIn) h.key_change_to = newKey;
        out.push({ key: oldKey, value: full ? all(before) : pkOnly(before), headers: h });
      }
      if (isIn) {
        const h = headers('insert');
        if (wasIn) h.key_change_from = oldKey;
        out.push({ key: newKey, value: all(now), headers: h });
      }
      return out;
    }
    if (wasIn && isIn) {
      const cols = Object.keys(changed).filter((c) => inst.selected.has(c));
      if (!cols.length) return [];
      if (full) return [{ key: newKey, value: all(now), old_value: this.pick(inst, changed, cols), headers: headers('update') }];
      return [{ key: newKey, value: { ...pkOnly(now), ...this.pick(inst, now, cols) }, headers: headers('update') }];
    }
    if (isIn) return [{ key: newKey, value: all(now), headers: headers('insert') }];
    if (wasIn) return [{ key: oldKey, value: full ? all(before) : pkOnly(before), headers: headers('delete') }];
    return [];
  }
}

interface Batch {
  messages: ChangeMessage[];
  end: Pos;
  complete: boolean;
}

const ENGINE = Symbol.for('outpost.sync.engine');
type G = typeof globalThis & { [ENGINE]?: SyncEngine };

/** The process-wide engine (kept on globalThis so dev reloads reuse it); started on first use. */
export function getSyncEngine(opts: SyncEngineOptions): SyncEngine {
  const g = globalThis as G;
  g[ENGINE] ??= new SyncEngine(opts);
  return g[ENGINE];
}

/** Stops the process-wide engine, if one was created (call before closing the database). */
export async function stopSyncEngine(): Promise<void> {
  const g = globalThis as G;
  const e = g[ENGINE];
  delete g[ENGINE];
  await e?.stop();
}

