// The write path (ARCHITECTURE §5): every change is a mutation `{id, name, args, clientTime}`.
//
// `enqueueMutation` (any tab, online or not) writes the optimistic overlay(s) AND appends the
// mutation to the outbox in ONE Dexie transaction: either the user sees the change and it will be
// sent, or neither. `Outbox.flush()` (leader tab only) sends the queue in order, batched (≤ 100),
// to `POST /api/sync/mutations` with a stable per-device `clientId`; the server applies each
// (clientId, id) exactly once, so resending after a lost response is safe.
//
// Per result:
// - applied  → the outbox row goes; its overlays stay until the txid shows up in a shape stream
//              (./txids.ts), so the UI never flickers back to the old value.
// - rejected → the overlays go and `{mutation, error}` (with yours/theirs/base per field) lands in
//              `conflicts`, the inbox where the user decides. Nothing typed is dropped.
// - missing / network error / 5xx / 429 → kept, retried with jittered exponential backoff.
// HTTP 401 → one credential refresh, then the queue pauses with `needsSignIn`; it resumes only when
// the SAME user signs in again (`signedIn(userId)`): each row carries the user who queued it and is
// never replayed under someone else's identity. Everything is in Dexie, so it survives reloads.
import Dexie, { liveQuery } from 'dexie';
import type { ConflictRecord, MutationError, OutboxRecord, OverlayOp, OverlayRecord, SyncDatabase } from './schema';
import { recordApplied } from './txids';
import { newId } from './ids';

/** An optimistic effect of a mutation on one row. */
export interface OverlaySpec {
	table: string;
	key: string;
	op: OverlayOp;
	patch?: Record<string, unknown>;
}

/** Derives a mutation's optimistic overlays from its args. */
export type OptimisticFn = (args: any, ctx: { userId: string; now: string; mutationId: string }) => OverlaySpec[];
export type OptimisticRegistry = Record<string, OptimisticFn>;

export interface MutationResult {
	id: string;
	status: 'applied' | 'rejected';
	txid?: number;
	result?: unknown;
	error?: MutationError;
}

export interface EnqueueOptions {
	/** Mutation id (default: a new UUIDv7-like time-ordered uuid). */
	id?: string;
	clientTime?: string;
	/** Explicit overlays; otherwise derived from `registry[name]` (none when absent). */
	overlays?: OverlaySpec[];
	registry?: OptimisticRegistry;
}

export { newId };

/** The device's stable client id (persisted in Dexie `meta`). */
export async function getClientId(db: SyncDatabase): Promise<string> {
	return db.transaction('rw', db.meta, async () => {
		const row = await db.meta.get('clientId');
		if (row && typeof row.value === 'string') return row.value;
		const id = newId();
		await db.meta.put({ key: 'clientId', value: id });
		return id;
	});
}

/**
 * Records a mutation: optimistic overlays + outbox row in one transaction. Works offline and in
 * any tab; the leader's `Outbox` picks it up.
 */
export async function enqueueMutation(db: SyncDatabase, userId: string, name: string, args: unknown, opts: EnqueueOptions = {}): Promise<OutboxRecord> {
	if (!userId) throw new Error('enqueueMutation: no signed-in user');
	const id = opts.id ?? newId();
	const clientTime = opts.clientTime ?? new Date().toISOString();
	const specs = opts.overlays ?? opts.registry?.[name]?.(args, { userId, now: clientTime, mutationId: id }) ?? [];
	const now = Date.now();
	const record: OutboxRecord = { id, name, args, clientTime, userId, attempts: 0, createdAt: now };
	await db.transaction('rw', [db.outbox, db.overlays], async () => {
		await db.outbox.add(record);
		if (specs.length) {
			await db.overlays.bulkAdd(
				specs.map((s) => ({ mutationId: id, table: s.table, key: s.key, op: s.op, patch: s.op === 'delete' ? {} : { ...(s.patch ?? {}) }, createdAt: now }))
			);
		}
	});
	return record;
}

export interface OutboxOptions {
	db: SyncDatabase;
	/** The signed-in user: only their queued mutations are sent. */
	userId: string;
	/** Absolute origin of the app. */
	baseUrl: string;
	path?: string;
	fetchClient?: typeof fetch;
	headers?: () => Record<string, string> | Promise<Record<string, string>>;
	/** Called once on a 401; resolve true if credentials were refreshed (the batch is resent at once). */
	refreshAuth?: () => Promise<boolean>;
	/** ≤ 100 (the server's limit). */
	batchSize?: number;
	/** Retry backoff: first delay, cap (ms). Default 1 s → 60 s, ×2, jittered. */
	backoff?: { initialDelay: number; maxDelay: number };
	/** Request timeout (default 30 s). */
	timeoutMs?: number;
	/** Shapes that a stream replicates (overlays on other tables are dropped when applied). */
	syncedShapes?: () => ReadonlySet<string>;
	/** Flush automatically when the queue changes / on `online` / periodically (default true). */
	auto?: boolean;
	/**
	 * Whether a queued mutation may be sent yet (e.g. its attachments are still uploading). Only the
	 * ready prefix of the queue is sent, so order is kept; the flush stops with `waiting` at the
	 * first mutation that is not ready, and whoever made it ready calls `kick()`.
	 */
	ready?: (m: OutboxRecord) => boolean | Promise<boolean>;
	log?: (msg: string, extra?: unknown) => void;
}

export interface OutboxStatus {
	/** Mutations this user still has to send. */
	pending: number;
	/** Queued by another user of this device (held until they sign in again). */
	heldForOtherUsers: number;
	needsSignIn: boolean;
	flushing: boolean;
	lastError?: string;
	/** ms epoch of the next automatic retry, when waiting. */
	retryAt?: number;
}

export interface FlushResult {
	applied: number;
	rejected: number;
	/** Why the flush stopped early, if it did. */
	stopped?: 'network' | 'server' | 'unauthenticated' | 'stopped' | 'waiting';
}

type StatusListener = (s: OutboxStatus) => void;

/** Sends the outbox (one instance, in the leader tab). */
export class Outbox {
	readonly #opts: OutboxOptions;
	readonly #db: SyncDatabase;
	#userId: string;
	#clientId?: Promise<string>;
	#needsSignIn = false;
	#flushing: Promise<FlushResult> | null = null;
	#again = false;
	#attempt = 0;
	#retryTimer?: ReturnType<typeof setTimeout>;
	#retryAt?: number;
	#lastError?: string;
	#stopped = false;
	#batchSize: number;
	#listeners = new Set<StatusListener>();
	#cleanup: Array<() => void> = [];
	#counts = { pending: 0, held: 0 };

	constructor(opts: OutboxOptions) {
		this.#opts = opts;
		this.#db = opts.db;
		this.#userId = opts.userId;
		this.#batchSize = Math.max(1, Math.min(100, opts.batchSize ?? 100));
	}

	get userId(): string {
		return this.#userId;
	}
	get needsSignIn(): boolean {
		return this.#needsSignIn;
	}
	clientId(): Promise<string> {
		return (this.#clientId ??= getClientId(this.#db));
	}

	status(): OutboxStatus {
		return {
			pending: this.#counts.pending,
			heldForOtherUsers: this.#counts.held,
			needsSignIn: this.#needsSignIn,
			flushing: this.#flushing !== null,
			lastError: this.#lastError,
			retryAt: this.#retryAt
		};
	}

	subscribe(fn: StatusListener): () => void {
		this.#listeners.add(fn);
		fn(this.status());
		return () => this.#listeners.delete(fn);
	}

	#emit() {
		const s = this.status();
		for (const fn of this.#listeners) fn(s);
	}

	async #recount() {
		const [pending, total] = await Promise.all([this.#db.outbox.where('[userId+seq]').between([this.#userId, Dexie.minKey], [this.#userId, Dexie.maxKey]).count(), this.#db.outbox.count()]);
		this.#counts = { pending, held: total - pending };
		this.#emit();
	}

	/** Starts automatic flushing: on queue changes, on `online`, and every 30 s as a safety net. */
	start(): void {
		this.#stopped = false;
		if (this.#opts.auto === false) return;
		// Dexie's liveQuery fires on writes from this tab and (via BroadcastChannel) from other tabs.
		const sub = liveQuery(() => this.#db.outbox.count()).subscribe({
			next: (total) => {
				void this.#recount().catch(() => {});
				if (total > 0 && !this.#retryTimer) this.kick();
			},
			error: (e) => this.#opts.log?.('outbox watch failed', e)
		});
		// Safety net (a missed notification, a retry timer lost to a suspended tab).
		const slow = setInterval(() => this.kick(), 30_000);
		this.#cleanup.push(() => sub.unsubscribe(), () => clearInterval(slow));
		if (typeof addEventListener === 'function' && typeof window !== 'undefined') {
			const online = () => this.retryNow();
			window.addEventListener('online', online);
			this.#cleanup.push(() => window.removeEventListener('online', online));
		}
	}

	stop(): void {
		this.#stopped = true;
		clearTimeout(this.#retryTimer);
		this.#retryTimer = undefined;
		for (const c of this.#cleanup.splice(0)) c();
	}

	/** Flushes soon (coalesced). */
	kick(): void {
		if (this.#stopped) return;
		void this.flush().catch((e) => this.#opts.log?.('outbox flush failed', e));
	}

	/**
	 * Drops the backoff and flushes now (wire to `online`). A flush already in flight may have sent
	 * its request while still offline; a retry coalesced into it would end with it, so the retry
	 * runs again once that flush has finished.
	 */
	retryNow(): void {
		const inFlight = this.#flushing;
		if (inFlight) void inFlight.finally(() => this.#flushing === null && !this.#stopped && this.retryNow()).catch(() => {});
		this.#attempt = 0;
		clearTimeout(this.#retryTimer);
		this.#retryTimer = undefined;
		this.#retryAt = undefined;
		this.kick();
	}

	/**
	 * A user signed in. The same user → the paused queue resumes. Another user → this outbox now
	 * sends only their mutations; the previous user's rows stay held in Dexie until they return.
	 */
	signedIn(userId: string): void {
		this.#userId = userId;
		this.#needsSignIn = false;
		this.#lastError = undefined;
		void this.#recount().catch(() => {});
		this.retryNow();
	}

	/** Records and (when this tab flushes) sends a mutation. */
	async mutate(name: string, args: unknown, opts: EnqueueOptions = {}): Promise<OutboxRecord> {
		const rec = await enqueueMutation(this.#db, this.#userId, name, args, opts);
		void this.#recount().catch(() => {});
		this.kick();
		return rec;
	}

	/** Sends the queue in order until it is empty or something stops it. Concurrent calls coalesce. */
	flush(): Promise<FlushResult> {
		if (this.#flushing) {
			this.#again = true;
			return this.#flushing;
		}
		this.#flushing = (async () => {
			const total: FlushResult = { applied: 0, rejected: 0 };
			try {
				do {
					this.#again = false;
					const r = await this.#flushOnce();
					total.applied += r.applied;
					total.rejected += r.rejected;
					total.stopped = r.stopped;
					// A kick while waiting (an upload finished meanwhile) must not be lost.
				} while (this.#again && (!total.stopped || total.stopped === 'waiting'));
			} finally {
				this.#flushing = null;
				await this.#recount().catch(() => {});
			}
			return total;
		})();
		this.#emit();
		return this.#flushing;
	}

	async #flushOnce(): Promise<FlushResult> {
		const out: FlushResult = { applied: 0, rejected: 0 };
		let refreshed = false;
		for (;;) {
			if (this.#stopped) return { ...out, stopped: 'stopped' };
			if (this.#needsSignIn) return { ...out, stopped: 'unauthenticated' };
			const userId = this.#userId;
			let batch = await this.#db.outbox
				.where('[userId+seq]')
				.between([userId, Dexie.minKey], [userId, Dexie.maxKey])
				.limit(this.#batchSize)
				.toArray();
			if (!batch.length) {
				this.#attempt = 0;
				this.#lastError = undefined;
				return out;
			}
			if (this.#opts.ready) {
				let n = 0;
				while (n < batch.length && (await this.#opts.ready(batch[n]))) n++;
				if (n === 0) return { ...out, stopped: 'waiting' };
				batch = batch.slice(0, n);
			}
			let res: Response;
			try {
				res = await this.#post(batch);
			} catch (e) {
				await this.#failed(batch, `network: ${e instanceof Error ? e.message : String(e)}`);
				return { ...out, stopped: 'network' };
			}
			if (res.status === 401) {
				await res.body?.cancel().catch(() => {});
				if (!refreshed && this.#opts.refreshAuth && (await this.#opts.refreshAuth().catch(() => false))) {
					refreshed = true;
					continue;
				}
				this.#needsSignIn = true;
				this.#lastError = 'sign-in required';
				this.#emit();
				return { ...out, stopped: 'unauthenticated' };
			}
			if (res.status === 413 && batch.length > 1) {
				await res.body?.cancel().catch(() => {});
				this.#batchSize = Math.max(1, Math.floor(batch.length / 2));
				continue;
			}
			if (res.status >= 500 || res.status === 429 || res.status === 408 || res.status === 404 || res.status === 405) {
				const retryAfter = Number(res.headers.get('retry-after'));
				await res.body?.cancel().catch(() => {});
				await this.#failed(batch, `server answered ${res.status}`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 0);
				return { ...out, stopped: 'server' };
			}
			let body: { results?: MutationResult[]; error?: MutationError } | undefined;
			try {
				body = await res.json();
			} catch {
				body = undefined;
			}
			if (!res.ok) {
				// The request as a whole was refused (400/403/413/422…): retrying the same bytes cannot
				// succeed, so each mutation goes to the conflicts inbox with the reason.
				const refused = body?.error as (MutationError & { message?: string; fields?: MutationError['fields'] }) | undefined;
				const error: MutationError = {
					code: refused?.code ?? `http_${res.status}`,
					reason: refused?.message ?? refused?.reason ?? `The server refused the request (${res.status}).`,
					...(refused?.fields ? { fields: refused.fields } : {})
				};
				for (const m of batch) await this.#reject(m, error);
				out.rejected += batch.length;
				continue;
			}
			const results = new Map((body?.results ?? []).map((r) => [r.id, r]));
			let missing = 0;
			for (const m of batch) {
				const r = results.get(m.id);
				if (r?.status === 'applied') {
					await this.#applied(m, r);
					out.applied++;
				} else if (r?.status === 'rejected') {
					await this.#reject(m, r.error ?? { code: 'rejected', reason: 'The server rejected this change.' });
					out.rejected++;
				} else missing++;
			}
			if (missing) {
				await this.#failed(
					batch.filter((m) => !results.has(m.id)),
					'no result for this mutation'
				);
				return { ...out, stopped: 'server' };
			}
			this.#attempt = 0;
			this.#lastError = undefined;
			this.#emit();
		}
	}

	async #post(batch: OutboxRecord[]): Promise<Response> {
		const clientId = await this.clientId();
		const headers = { 'content-type': 'application/json', accept: 'application/json', ...((await this.#opts.headers?.()) ?? {}) };
		const fetchFn = this.#opts.fetchClient ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
		return fetchFn(this.#opts.baseUrl.replace(/\/$/, '') + (this.#opts.path ?? '/api/sync/mutations'), {
			method: 'POST',
			headers,
			credentials: 'same-origin',
			body: JSON.stringify({ clientId, mutations: batch.map((m) => ({ id: m.id, name: m.name, args: m.args, clientTime: m.clientTime })) }),
			signal: AbortSignal.timeout(this.#opts.timeoutMs ?? 30_000)
		});
	}

	async #failed(batch: OutboxRecord[], message: string, minDelayMs = 0) {
		const now = Date.now();
		this.#lastError = message;
		await this.#db.transaction('rw', this.#db.outbox, async () => {
			for (const m of batch) {
				if (m.seq !== undefined) await this.#db.outbox.update(m.seq, { attempts: (m.attempts ?? 0) + 1, lastError: message, lastAttemptAt: now });
			}
		});
		const { initialDelay, maxDelay } = this.#opts.backoff ?? { initialDelay: 1_000, maxDelay: 60_000 };
		const cap = Math.min(maxDelay, initialDelay * 2 ** this.#attempt++);
		const delay = Math.max(minDelayMs, cap / 2 + Math.random() * (cap / 2));
		clearTimeout(this.#retryTimer);
		this.#retryAt = now + delay;
		this.#retryTimer = setTimeout(() => {
			this.#retryTimer = undefined;
			this.#retryAt = undefined;
			this.kick();
		}, delay);
		this.#opts.log?.(`outbox: ${message}; retry in ${Math.round(delay)} ms`);
		this.#emit();
	}

	async #applied(m: OutboxRecord, r: MutationResult) {
		const db = this.#db;
		const synced = this.#opts.syncedShapes?.() ?? new Set<string>();
		await db.transaction('rw', [db.outbox, db.overlays, db.pendingTxids, db.seenTxids], async () => {
			await db.outbox.delete(m.seq!);
			await recordApplied(db, m.id, typeof r.txid === 'number' ? r.txid : r.txid == null ? undefined : Number(r.txid), synced);
		});
	}

	async #reject(m: OutboxRecord, error: MutationError) {
		const db = this.#db;
		await db.transaction('rw', [db.outbox, db.overlays, db.conflicts, db.pendingTxids], async () => {
			const overlays = await db.overlays.where('mutationId').equals(m.id).toArray();
			await db.overlays.bulkDelete(overlays.map((o) => o.oid!));
			const conflict: ConflictRecord = {
				id: m.id,
				name: m.name,
				args: m.args,
				clientTime: m.clientTime,
				userId: m.userId,
				error,
				overlays: overlays.map(({ table, key, op, patch }: OverlayRecord) => ({ table, key, op, patch })),
				createdAt: Date.now()
			};
			await db.conflicts.put(conflict);
			await db.outbox.delete(m.seq!);
		});
	}
}

/** The conflicts inbox: drop one (the user accepts the server's version). */
export function dismissConflict(db: SyncDatabase, id: string): Promise<void> {
	return db.conflicts.delete(id);
}

/**
 * The conflicts inbox: try again, as a NEW mutation (new id, so the server does not answer with the
 * stored rejection), optionally with edited args (e.g. rebased on the server's values).
 */
export async function retryConflict(db: SyncDatabase, id: string, opts: { args?: unknown; userId?: string; overlays?: OverlaySpec[]; registry?: OptimisticRegistry } = {}): Promise<OutboxRecord | undefined> {
	return db.transaction('rw', [db.conflicts, db.outbox, db.overlays], async () => {
		const c = await db.conflicts.get(id);
		if (!c) return undefined;
		await db.conflicts.delete(id);
		return enqueueMutation(db, opts.userId ?? c.userId, c.name, opts.args ?? c.args, { overlays: opts.overlays ?? (opts.args === undefined ? c.overlays : undefined), registry: opts.registry });
	});
}
