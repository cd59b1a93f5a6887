// ShapeStream → Dexie replication (ARCHITECTURE §4, electric-shape-api.md §2.5–2.8).
//
// One official `@electric-sql/client` ShapeStream per shape against the gatekeeper
// (`GET /api/sync/shape?shape=<name>&…`). Each delivered batch is applied in ONE Dexie transaction
// that also stores the stream's new offset + handle (+ schema), so the stored position never runs
// ahead of the stored rows: if the write fails, the transaction (position included) rolls back, the
// stream is aborted (it would otherwise carry on past the lost batch: subscriber errors are
// swallowed) and restarted from the last stored position.
//
// - Packed shapes (tickets) are stored several rows per record (./packed.ts): same batches, same
//   transaction, the rows go to pages instead.
// - insert → put the full row; update (replica=default: key + changed columns) → merged into the
//   stored row; delete → removed. Several messages for one key in a batch are folded in order.
// - `must-refetch` (the client turns a 409 into it, with the new handle already adopted): that
//   shape's rows and stored position are cleared in one transaction and the stream re-syncs from
//   offset -1. Outbox, overlays and conflicts are kept (nothing the user did is lost).
// - A 400 (e.g. offset out of bounds after the server lost history) also resets the shape.
// - Resume: the stream starts from the stored offset + handle (first request non-live).
// - `txids` on changes and `snapshot-end` drive overlay confirmation (./txids.ts).
// - Position is stored after every batch, not only at up-to-date: the client's replay-mode can
//   swallow an up-to-date (§2.4), and resuming mid-snapshot is valid in the protocol.
// - Backoff: the ShapeStream retries network errors / 5xx / 429 forever with jittered exponential
//   backoff; `refresh()` (wired to the `online` event) cuts a wait short. A stream that stops on an
//   error is restarted here with its own backoff. The browser stream also pauses in hidden tabs and
//   catches up when visible; in Node a timer-gap check reconnects after sleep.
import { ShapeStream, FetchError, isChangeMessage, isControlMessage, type Message, type BackoffOptions, type Offset, type Row as ElectricRow } from '@electric-sql/client';
import type { Table } from 'dexie';
import { shapeTable, storeOf, type Row, type ShapeStateRecord, type SyncDatabase } from './schema';
import { writePacked, type PageTable } from './packed';
import { keyFromMessageKey, parseShapeBody, shapeParser } from './values';
import { confirmBySnapshot, confirmTxids, type PgSnapshot } from './txids';

export type SyncPhase = 'connecting' | 'initial' | 'live' | 'offline' | 'error' | 'stopped';

export interface ShapeSyncState {
	shape: string;
	phase: SyncPhase;
	/** ms epoch of the last batch that left the shape up to date. */
	lastSyncedAt?: number;
	/** ms epoch since which the shape has been continuously live (for overlay confirmation). */
	liveSince?: number;
	/** Readable reason when phase is `error` (or the last transient failure when `offline`). */
	error?: string;
	/** HTTP status of that error, when there was one (401 → sign-in needed, 403 → shape not allowed). */
	status?: number;
}

export interface ReplicatorOptions {
	db: SyncDatabase;
	shapes: readonly string[];
	/** Absolute origin of the app, e.g. `location.origin` or `http://127.0.0.1:3000`. */
	baseUrl: string;
	/** Path of the gatekeeper (default `/api/sync/shape`). */
	path?: string;
	/** Extra (non-protocol) query parameters, e.g. `{ scope: userId }` to keep caches per user apart. */
	params?: Record<string, string>;
	headers?: Record<string, string | (() => string | Promise<string>)>;
	fetchClient?: typeof fetch;
	/** ShapeStream fetch backoff (default 1 s → ×2 → 32 s, unlimited retries). */
	backoff?: Partial<BackoffOptions>;
	/** Restart delay after a stream stopped on an error: initial and max ms (default 1 s, 60 s). */
	restartBackoff?: { initialDelay: number; maxDelay: number };
	/** Called on 401; resolve true when the credentials were refreshed (the stream retries at once). */
	onUnauthorized?: () => Promise<boolean>;
	liveRequestTimeoutMs?: number | false;
	/** Test hook: observe every applied batch. */
	onBatch?: (shape: string, messages: Message<ElectricRow>[]) => void;
	log?: (msg: string, extra?: unknown) => void;
}

type Listener = (states: Record<string, ShapeSyncState>) => void;

/**
 * Control message the replicator puts in place of the change messages it parsed itself (see
 * `#parseBody`); never on the wire: only the local ShapeStream sees it, and passes it through.
 */
const PARSED = 'outpost-parsed';

/** Batch transactions a shape may have started and not yet committed. */
const MAX_IN_FLIGHT = 2;

const DEFAULT_BACKOFF: BackoffOptions = { initialDelay: 1_000, maxDelay: 32_000, multiplier: 2, maxRetries: Infinity };

function describe(err: unknown): { message: string; status?: number } {
	if (err instanceof FetchError) {
		const body = err.json as { error?: { message?: string }; message?: string } | undefined;
		return { status: err.status, message: body?.error?.message ?? body?.message ?? err.text ?? err.message };
	}
	return { message: err instanceof Error ? err.message : String(err) };
}

/** Replicates the given shapes into Dexie until stopped. */
export class Replicator {
	readonly #opts: ReplicatorOptions;
	readonly #shapes = new Map<string, ShapeReplication>();
	readonly #listeners = new Set<Listener>();
	#running = false;
	#authWaiters: Array<() => void> = [];

	constructor(opts: ReplicatorOptions) {
		this.#opts = opts;
		for (const shape of opts.shapes) this.#shapes.set(shape, new ShapeReplication(this, shape, opts));
	}

	get shapes(): string[] {
		return [...this.#shapes.keys()];
	}

	get running(): boolean {
		return this.#running;
	}

	/** Starts every shape (resuming from stored positions). */
	async start(): Promise<void> {
		if (this.#running) return;
		this.#running = true;
		await Promise.all([...this.#shapes.values()].map((s) => s.start()));
	}

	/** Stops every stream; stored rows and positions stay. */
	stop(): void {
		this.#running = false;
		for (const s of this.#shapes.values()) s.stop();
		for (const w of this.#authWaiters.splice(0)) w();
	}

	/** Cuts backoff short and reconnects (wire to `online`, or after sign-in). */
	refresh(): void {
		for (const s of this.#shapes.values()) s.refresh();
	}

	/** Credentials are valid again: shapes waiting after a 401 retry now. */
	authRestored(): void {
		for (const w of this.#authWaiters.splice(0)) w();
	}

	/** Resolves when the 401-paused streams may retry (or the replicator stops). */
	waitForAuth(): Promise<void> {
		return new Promise((resolve) => this.#authWaiters.push(resolve));
	}

	state(): Record<string, ShapeSyncState> {
		const out: Record<string, ShapeSyncState> = {};
		for (const [k, s] of this.#shapes) out[k] = { ...s.state };
		return out;
	}

	liveSince(shape: string): number | undefined {
		const s = this.#shapes.get(shape)?.state;
		return s?.phase === 'live' ? s.liveSince : undefined;
	}

	subscribe(fn: Listener): () => void {
		this.#listeners.add(fn);
		fn(this.state());
		return () => this.#listeners.delete(fn);
	}

	/** Resolves once every listed shape (default all) is live; rejects on timeout. */
	whenLive(shapes: readonly string[] = this.shapes, timeoutMs = 30_000): Promise<void> {
		return new Promise((resolve, reject) => {
			const check = (st: Record<string, ShapeSyncState>) => shapes.every((s) => st[s]?.phase === 'live');
			let unsub = () => {};
			const timer = setTimeout(() => {
				unsub();
				reject(new Error(`shapes not live after ${timeoutMs} ms: ${JSON.stringify(this.state())}`));
			}, timeoutMs);
			unsub = this.subscribe((st) => {
				if (!check(st)) return;
				clearTimeout(timer);
				queueMicrotask(() => unsub());
				resolve();
			});
		});
	}

	/** @internal */
	emit(): void {
		const st = this.state();
		for (const fn of this.#listeners) {
			try {
				fn(st);
			} catch (e) {
				this.#opts.log?.('sync state listener failed', e);
			}
		}
	}
}

class ShapeReplication {
	state: ShapeSyncState;
	readonly #owner: Replicator;
	readonly #shape: string;
	readonly #opts: ReplicatorOptions;
	readonly #table: Table<Row, string> | PageTable;
	/** Set when the shape is stored packed (./packed.ts): #table is its page store. */
	readonly #packed: boolean;
	/** The shape is in its initial snapshot on an empty store (stored as `fresh` with the position). */
	#fresh = false;
	#stream?: ShapeStream<ElectricRow>;
	#abort?: AbortController;
	#unsubscribe?: () => void;
	/** Generation of the current stream: batches of an older (aborted) stream are ignored. */
	#gen = 0;
	#restartTimer?: ReturnType<typeof setTimeout>;
	#restartAttempts = 0;
	#badRequestResets = 0;
	#schemaHeader?: string;
	#ticker?: ReturnType<typeof setInterval>;
	#stopped = true;
	/** Batch transactions started and not yet settled, oldest first. */
	readonly #inFlight: Promise<void>[] = [];
	/** `batch` of the position the newest started transaction stores (null: none stored). */
	#lastBatch: string | null = null;
	#batchSeq = 0;
	#lastSyncedAt?: number;
	/** Counts error/offline reports: a batch committing after a later one keeps that phase. */
	#troubleSeq = 0;
	/** Change messages parsed by the transport, by the id of the marker that stands for them. */
	readonly #parsed = new Map<number, Message<ElectricRow>[]>();
	#parsedSeq = 0;

	constructor(owner: Replicator, shape: string, opts: ReplicatorOptions) {
		this.#owner = owner;
		this.#shape = shape;
		this.#opts = opts;
		this.#packed = storeOf(shape) !== shape;
		this.#table = this.#packed ? (opts.db.table(storeOf(shape)) as PageTable) : shapeTable(opts.db, shape);
		this.state = { shape, phase: 'stopped' };
	}

	#set(patch: Partial<ShapeSyncState>) {
		if (patch.phase === 'error' || patch.phase === 'offline') this.#troubleSeq++;
		const next = { ...this.state, ...patch };
		if (next.phase === 'live' && this.state.phase !== 'live') next.liveSince = Date.now();
		if (next.phase !== 'live') next.liveSince = undefined;
		if (next.phase === 'live' || next.phase === 'initial') {
			next.error = undefined;
			next.status = undefined;
		}
		const changed = (Object.keys(next) as Array<keyof ShapeSyncState>).some((k) => next[k] !== this.state[k]);
		this.state = next;
		if (changed) this.#owner.emit();
	}

	async start(): Promise<void> {
		this.#stopped = false;
		clearTimeout(this.#restartTimer);
		const stored = await this.#opts.db.shapeState.get(this.#shape);
		if (this.#stopped) return;
		this.#set({ phase: 'connecting', lastSyncedAt: stored?.lastSyncedAt ?? this.state.lastSyncedAt });
		this.#open(stored);
		this.#ticker ??= setInterval(() => this.#poll(), 1_000);
	}

	stop(): void {
		this.#stopped = true;
		clearTimeout(this.#restartTimer);
		clearInterval(this.#ticker);
		this.#ticker = undefined;
		this.#close();
		this.#set({ phase: 'stopped' });
	}

	refresh(): void {
		if (this.#stopped) return;
		const phase = this.state.phase;
		if (phase === 'error' && (this.state.status === 403 || this.state.status === 401)) return;
		if (phase === 'offline' || phase === 'error' || this.#restartTimer) {
			this.#restartAttempts = 0;
			this.#restart(0);
		} else if (phase === 'live' && this.#stream) {
			void this.#stream.forceDisconnectAndRefresh().catch(() => {});
		}
	}

	#close() {
		this.#gen++;
		this.#parsed.clear();
		this.#unsubscribe?.();
		this.#unsubscribe = undefined;
		this.#abort?.abort();
		this.#abort = undefined;
		this.#stream = undefined;
	}

	#restart(delayMs: number) {
		this.#close();
		clearTimeout(this.#restartTimer);
		this.#restartTimer = setTimeout(() => {
			this.#restartTimer = undefined;
			if (!this.#stopped) void this.start();
		}, delayMs);
	}

	#restartDelay(): number {
		const { initialDelay, maxDelay } = this.#opts.restartBackoff ?? { initialDelay: 1_000, maxDelay: 60_000 };
		const capped = Math.min(maxDelay, initialDelay * 2 ** this.#restartAttempts++);
		return capped / 2 + Math.random() * (capped / 2);
	}

	/** Keeps the phase honest when the stream gets no batch to tell us (suppressed up-to-date, backoff). */
	#poll() {
		const s = this.#stream;
		if (!s || this.#stopped) return;
		// Not while batches are still being stored: `live` means the rows are in Dexie.
		if (s.isUpToDate && s.isConnected() && !this.#inFlight.length && this.state.phase !== 'live' && this.state.phase !== 'error') {
			this.#set({ phase: 'live', lastSyncedAt: s.lastSyncedAt() ?? this.state.lastSyncedAt });
		}
	}

	#open(stored: ShapeStateRecord | undefined) {
		const gen = ++this.#gen;
		this.#lastBatch = stored?.batch ?? null;
		// No stored position means no stored rows (both are written and cleared together).
		this.#fresh = stored ? stored.fresh === true : true;
		this.#lastSyncedAt = stored?.lastSyncedAt ?? this.state.lastSyncedAt;
		const abort = new AbortController();
		this.#abort = abort;
		const resume = stored?.handle && stored.offset && stored.offset !== '-1' ? { offset: stored.offset as Offset, handle: stored.handle } : {};
		const baseFetch = this.#opts.fetchClient ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
		// Wraps the transport to see the raw outcome: the schema header (persisted with the batch) and
		// network failures (→ offline) which the stream otherwise retries silently.
		const fetchClient: typeof fetch = async (input, init) => {
			try {
				const res = await baseFetch(input, init);
				if (gen !== this.#gen) return res;
				const schema = res.headers.get('electric-schema');
				if (res.ok && schema) this.#schemaHeader = schema;
				if (res.status >= 500 || res.status === 429) this.#set({ phase: 'offline', error: `server answered ${res.status}`, status: res.status });
				if (res.status === 200 && schema && !isLiveRequest(input)) return await this.#parseBody(res, schema, gen);
				return res;
			} catch (e) {
				if (gen === this.#gen && !abort.signal.aborted) this.#set({ phase: 'offline', error: describe(e).message });
				throw e;
			}
		};
		const stream = new ShapeStream<ElectricRow>({
			url: this.#opts.baseUrl.replace(/\/$/, '') + (this.#opts.path ?? '/api/sync/shape'),
			params: { shape: this.#shape, ...(this.#opts.params ?? {}) },
			headers: this.#opts.headers,
			fetchClient,
			signal: abort.signal,
			parser: shapeParser,
			backoffOptions: { ...DEFAULT_BACKOFF, ...(this.#opts.backoff ?? {}) },
			liveRequestTimeoutMs: this.#opts.liveRequestTimeoutMs,
			warnOnHttp: false,
			onError: (err) => this.#onError(err, gen),
			...resume
		});
		this.#stream = stream;
		this.#unsubscribe = stream.subscribe(
			(messages) => this.#apply(messages, gen, stream),
			(err) => {
				if (gen !== this.#gen || this.#stopped) return;
				// The stream gave up (onError returned nothing). Unless that was final, try again later.
				if (this.state.phase !== 'error') this.#set({ phase: 'error', ...describe(err) });
			}
		);
	}

	/**
	 * Non-live responses (snapshot chunks, catch-up) can be large: their change messages are parsed
	 * here, with a plain JSON.parse and compiled column converters, instead of by the stream's
	 * reviver (values.ts). The stream gets the other messages plus one marker standing for the
	 * parsed changes, in the marker's place; `#apply` swaps them back in. Order inside a response
	 * does not matter to `#apply`, and the last message (up-to-date or not) stays last.
	 */
	async #parseBody(res: Response, schema: string, gen: number): Promise<Response> {
		const text = await res.text();
		const headers = new Headers(res.headers);
		headers.delete('content-length');
		headers.delete('content-encoding');
		const init = { status: res.status, statusText: res.statusText, headers };
		let parsed: ReturnType<typeof parseShapeBody>;
		try {
			parsed = parseShapeBody(text, schema);
		} catch {
			parsed = null;
		}
		// Not an array, or nothing to take out: the stream sees the body as it came.
		if (!parsed || !parsed.changes.length || gen !== this.#gen) return new Response(text, init);
		const id = ++this.#parsedSeq;
		this.#parsed.set(id, parsed.changes as unknown as Message<ElectricRow>[]);
		// Responses the stream drops (aborted prefetches) leave entries behind: keep a few only.
		if (this.#parsed.size > 16) this.#parsed.delete(this.#parsed.keys().next().value!);
		return new Response(JSON.stringify([{ headers: { control: PARSED, id } }, ...parsed.others]), init);
	}

	/** The batch with the marker replaced by the change messages it stands for. */
	#expand(messages: Message<ElectricRow>[]): Message<ElectricRow>[] {
		const i = messages.findIndex((m) => isControlMessage(m) && (m.headers.control as string) === PARSED);
		if (i < 0) return messages;
		const id = (messages[i].headers as { id?: number }).id ?? -1;
		const changes = this.#parsed.get(id);
		this.#parsed.delete(id);
		if (!changes) throw new Error('a parsed response went missing');
		return [...messages.slice(0, i), ...changes, ...messages.slice(i + 1)];
	}

	async #onError(err: Error, gen: number): Promise<void | Record<string, never>> {
		if (gen !== this.#gen || this.#stopped) return;
		const info = describe(err);
		this.#opts.log?.(`shape ${this.#shape}: ${info.status ?? ''} ${info.message}`);
		if (info.status === 401) {
			if (this.#opts.onUnauthorized && (await this.#opts.onUnauthorized().catch(() => false))) return {};
			this.#set({ phase: 'error', error: info.message || 'sign-in required', status: 401 });
			await this.#owner.waitForAuth();
			if (gen !== this.#gen || this.#stopped) return;
			this.#set({ phase: 'connecting' });
			return {};
		}
		if (info.status === 403) {
			// The role may not read this shape: final until the next start (e.g. another sign-in).
			this.#set({ phase: 'error', ...info });
			return;
		}
		if (info.status === 400) {
			// Our stored position is unusable (e.g. offset out of bounds): start this shape over.
			this.#set({ phase: 'error', ...info });
			const delay = this.#badRequestResets++ === 0 ? 0 : this.#restartDelay();
			await this.#reset();
			this.#restart(delay);
			return;
		}
		this.#set({ phase: 'error', ...info });
		this.#restart(this.#restartDelay());
	}

	/** Clears this shape's rows and stored position. */
	async #reset() {
		const db = this.#opts.db;
		await db.transaction('rw', [this.#table, db.shapeState], async () => {
			await this.#table.clear();
			await db.shapeState.delete(this.#shape);
		});
		this.#lastBatch = null;
		this.#fresh = true;
	}

	/** Waits for every started batch transaction to settle. */
	async #drain(): Promise<void> {
		while (this.#inFlight.length) await this.#inFlight[0];
	}

	/**
	 * Applies one batch in ONE Dexie transaction that also stores the stream's position. The
	 * transaction is started here but not awaited (up to MAX_IN_FLIGHT at once): the stream goes on
	 * to the next batch, whose rows are cloned into IndexedDB while the previous transaction commits.
	 * IndexedDB runs them in order; each checks that the stored position is the one its predecessor
	 * wrote (`batch`), so if one fails, the ones after it store nothing either, and the stream is
	 * restarted from the last stored position.
	 */
	async #apply(batch: Message<ElectricRow>[], gen: number, stream: ShapeStream<ElectricRow>): Promise<void> {
		if (gen !== this.#gen || this.#stopped) return;
		const db = this.#opts.db;
		const fail = (e: unknown) => {
			if (gen !== this.#gen || this.#stopped) return;
			// Nothing of this batch (position included) was stored. Stop this stream before it moves
			// past the lost batch, and resume from the stored position.
			this.#opts.log?.(`shape ${this.#shape}: applying a batch failed`, e);
			this.#set({ phase: 'error', error: `local write failed: ${describe(e).message}` });
			this.#restart(this.#restartDelay());
		};
		try {
			const messages = this.#expand(batch);
			if (messages.some((m) => isControlMessage(m) && m.headers.control === 'must-refetch')) {
				// The stream already reset itself to offset -1 with the new handle.
				await this.#drain();
				await this.#reset();
				if (gen !== this.#gen) return;
				this.#schemaHeader = undefined;
				this.#set({ phase: 'initial' });
				this.#opts.onBatch?.(this.#shape, messages);
				return;
			}
			while (this.#inFlight.length >= MAX_IN_FLIGHT) await this.#inFlight[0];
			if (gen !== this.#gen || this.#stopped) return;
			const now = Date.now();
			const upToDate = messages.some((m) => isControlMessage(m) && m.headers.control === 'up-to-date') || stream.isUpToDate;
			const rows = new Map<string, Row | null>();
			const needExisting = new Set<string>();
			const ops: Array<{ key: string; op: 'insert' | 'update' | 'delete'; value: Record<string, unknown> }> = [];
			const txids = new Set<number>();
			const inserted = new Set<string>();
			let snapshot: PgSnapshot | undefined;
			for (const m of messages) {
				if (isChangeMessage(m)) {
					const value = m.value as Record<string, unknown>;
					const key = value.id != null ? String(value.id) : keyFromMessageKey(m.key);
					if (key === undefined) continue;
					const op = m.headers.operation;
					if (op === 'insert') inserted.add(key);
					else if (op === 'update' && !inserted.has(key)) needExisting.add(key);
					ops.push({ key, op, value });
					for (const t of m.headers.txids ?? []) txids.add(Number(t));
				} else if (isControlMessage(m) && m.headers.control === 'snapshot-end') {
					snapshot = m.headers as unknown as PgSnapshot;
				}
			}
			const expected = this.#lastBatch;
			const fresh = this.#fresh;
			this.#fresh = fresh && !upToDate;
			const batchId = `${gen}.${++this.#batchSeq}`;
			const state: ShapeStateRecord = {
				shape: this.#shape,
				handle: stream.shapeHandle,
				offset: stream.lastOffset,
				schema: this.#parseSchema(),
				lastSyncedAt: upToDate ? now : this.#lastSyncedAt,
				updatedAt: now,
				batch: batchId,
				...(this.#fresh ? { fresh: true } : {})
			};
			this.#lastBatch = batchId;
			this.#lastSyncedAt = state.lastSyncedAt;
			// Overlay bookkeeping joins the transaction only when this batch can confirm something, so
			// snapshot chunks of different shapes do not queue behind each other on those stores.
			const scope = txids.size || snapshot ? [this.#table, db.shapeState, db.overlays, db.pendingTxids, db.seenTxids] : [this.#table, db.shapeState];
			const tx = db.transaction('rw', scope, async () => {
				// Requested first, checked before anything else is written: the previous batch is stored.
				const before = db.shapeState.get(this.#shape);
				if (this.#packed) {
					await writePacked(this.#table as PageTable, ops, fresh);
					const stored = await before;
					if ((stored?.batch ?? null) !== (expected ?? null)) throw new Error('the previous batch was not stored');
					if (txids.size) await confirmTxids(db, this.#shape, txids, now);
					if (snapshot) await confirmBySnapshot(db, this.#shape, snapshot, now);
					await db.shapeState.put(state);
					return;
				}
				const table = this.#table as Table<Row, string>;
				if (needExisting.size) {
					const keys = [...needExisting];
					const existing = await table.bulkGet(keys);
					keys.forEach((k, i) => {
						if (existing[i]) rows.set(k, existing[i]!);
					});
				}
				const touched = new Set<string>();
				for (const { key, op, value } of ops) {
					touched.add(key);
					if (op === 'delete') rows.set(key, null);
					// Snapshot rows are stored as parsed (no copy) when they already carry their key.
					else if (op === 'insert') rows.set(key, (value.id === key ? value : { ...value, id: key }) as Row);
					else {
						const prev = rows.get(key);
						// An update for a row we do not hold (should not happen) is stored as given.
						rows.set(key, { ...(prev ?? {}), ...value, id: key } as Row);
					}
				}
				const puts: Row[] = [];
				const dels: string[] = [];
				for (const key of touched) {
					const r = rows.get(key);
					if (r) puts.push(r);
					else dels.push(key);
				}
				// Issued now (the rows are cloned now, even while an earlier transaction still runs).
				const writes: Promise<unknown>[] = [];
				if (puts.length) writes.push(table.bulkPut(puts));
				if (dels.length) writes.push(table.bulkDelete(dels));
				for (const w of writes) w.catch(() => {});
				const stored = await before;
				if ((stored?.batch ?? null) !== (expected ?? null)) throw new Error('the previous batch was not stored');
				await Promise.all(writes);
				if (txids.size) await confirmTxids(db, this.#shape, txids, now);
				if (snapshot) await confirmBySnapshot(db, this.#shape, snapshot, now);
				await db.shapeState.put(state);
			});
			const trouble = this.#troubleSeq;
			const settled: Promise<void> = tx.then(
				() => {
					if (gen !== this.#gen) return;
					this.#restartAttempts = 0;
					this.#badRequestResets = 0;
					// An error or outage reported after this batch was handed over is newer news.
					if (trouble !== this.#troubleSeq) this.#set({ lastSyncedAt: state.lastSyncedAt });
					else this.#set({ phase: upToDate ? 'live' : 'initial', lastSyncedAt: state.lastSyncedAt });
					this.#opts.onBatch?.(this.#shape, messages);
				},
				fail
			);
			const done = settled.finally(() => this.#inFlight.splice(this.#inFlight.indexOf(done), 1));
			this.#inFlight.push(done);
		} catch (e) {
			fail(e);
		}
	}

	#parseSchema(): Record<string, unknown> | undefined {
		if (!this.#schemaHeader) return undefined;
		try {
			return JSON.parse(this.#schemaHeader);
		} catch {
			return undefined;
		}
	}
}

/** A request the stream makes in live mode (long-poll): small, and kept on the stream's own parser. */
function isLiveRequest(input: Parameters<typeof fetch>[0]): boolean {
	const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
	return /[?&]live=true(&|$)/.test(url);
}
