// Wires replication, the outbox and overlay confirmation together, in ONE tab per browser:
// the leader holds the Web Lock `outpost-sync` (navigator.locks) for as long as it syncs; other tabs
// wait in the lock queue and just read Dexie (and still enqueue mutations, which the leader sends).
// When the leader tab closes, the next tab in the queue takes over. Without Web Locks (Node, tests,
// very old browsers) the engine syncs directly.
import { Replicator, type ReplicatorOptions, type ShapeSyncState } from './replicator';
import { Outbox, type OptimisticRegistry, type OutboxOptions, type OutboxStatus, type EnqueueOptions, enqueueMutation } from './outbox';
import { sweepPending } from './txids';
import type { OutboxRecord, SyncDatabase } from './schema';

export const SYNC_LOCK = 'outpost-sync';
const CHANNEL = 'outpost-sync-status';

export interface SyncEngineOptions {
	db: SyncDatabase;
	userId: string;
	baseUrl: string;
	shapes: readonly string[];
	fetchClient?: typeof fetch;
	/** Extra request headers (e.g. `Authorization: Bearer …` outside the browser). */
	headers?: () => Record<string, string> | Promise<Record<string, string>>;
	/** Try to refresh the session (cookie refresh in the browser); true → retry. */
	refreshAuth?: () => Promise<boolean>;
	registry?: OptimisticRegistry;
	/** Skip the Web Lock even when available. */
	noLeaderElection?: boolean;
	replicator?: Partial<Pick<ReplicatorOptions, 'backoff' | 'restartBackoff' | 'liveRequestTimeoutMs' | 'params' | 'onBatch' | 'path'>>;
	outbox?: { batchSize?: number; backoff?: { initialDelay: number; maxDelay: number }; auto?: boolean; path?: string; ready?: OutboxOptions['ready'] };
	/** Overlay confirmation fallbacks (./txids.ts rule 4). */
	confirm?: { settleMs?: number; timeoutMs?: number; intervalMs?: number };
	log?: (msg: string, extra?: unknown) => void;
}

export interface SyncStatus {
	/** This tab runs the streams and sends the outbox. */
	leader: boolean;
	online: boolean;
	shapes: Record<string, ShapeSyncState>;
	outbox: OutboxStatus;
	/** A 401 paused sync: the user must sign in again (same user → the queue resumes). */
	needsSignIn: boolean;
}

type Listener = (s: SyncStatus) => void;

interface LockManagerLike {
	request(name: string, opts: { signal?: AbortSignal }, cb: () => Promise<void>): Promise<void>;
}

/** A fetch that adds headers resolved per request (so a rotated token is picked up). */
export function withHeaders(base: typeof fetch | undefined, headers: SyncEngineOptions['headers']): typeof fetch | undefined {
	if (!headers) return base;
	const f = base ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
	return async (input, init) => {
		const h = new Headers(init?.headers);
		for (const [k, v] of Object.entries(await headers())) if (v) h.set(k, v);
		return f(input, { ...init, headers: h });
	};
}

function lockManager(): LockManagerLike | undefined {
	const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
	return nav?.locks && typeof nav.locks.request === 'function' ? nav.locks : undefined;
}

export class SyncEngine {
	readonly opts: SyncEngineOptions;
	readonly replicator: Replicator;
	readonly outbox: Outbox;
	#leader = false;
	#online = true;
	#started = false;
	#abort?: AbortController;
	#release?: () => void;
	#listeners = new Set<Listener>();
	#cleanup: Array<() => void> = [];
	#sweepTimer?: ReturnType<typeof setInterval>;
	#channel?: BroadcastChannel;
	#followerShapes: Record<string, ShapeSyncState> = {};
	#shapeAuthPaused = false;

	constructor(opts: SyncEngineOptions) {
		this.opts = opts;
		const transport = withHeaders(opts.fetchClient, opts.headers);
		this.replicator = new Replicator({
			db: opts.db,
			shapes: opts.shapes,
			baseUrl: opts.baseUrl,
			fetchClient: transport,
			onUnauthorized: opts.refreshAuth,
			log: opts.log,
			...(opts.replicator ?? {})
		});
		this.outbox = new Outbox({
			db: opts.db,
			userId: opts.userId,
			baseUrl: opts.baseUrl,
			fetchClient: transport,
			refreshAuth: opts.refreshAuth,
			syncedShapes: () => new Set(this.replicator.shapes),
			log: opts.log,
			path: opts.outbox?.path,
			batchSize: opts.outbox?.batchSize,
			backoff: opts.outbox?.backoff,
			auto: opts.outbox?.auto,
			ready: opts.outbox?.ready
		});
		this.replicator.subscribe((shapes) => {
			this.#shapeAuthPaused = Object.values(shapes).some((s) => s.phase === 'error' && s.status === 401);
			this.#emit();
			this.#channel?.postMessage({ type: 'shapes', shapes });
		});
		this.outbox.subscribe(() => this.#emit());
	}

	get isLeader(): boolean {
		return this.#leader;
	}

	status(): SyncStatus {
		const outbox = this.outbox.status();
		return {
			leader: this.#leader,
			online: this.#online,
			shapes: this.#leader ? this.replicator.state() : this.#followerShapes,
			outbox,
			needsSignIn: outbox.needsSignIn || this.#shapeAuthPaused
		};
	}

	subscribe(fn: Listener): () => void {
		this.#listeners.add(fn);
		fn(this.status());
		return () => this.#listeners.delete(fn);
	}

	#emit() {
		const s = this.status();
		for (const fn of this.#listeners) {
			try {
				fn(s);
			} catch (e) {
				this.opts.log?.('sync status listener failed', e);
			}
		}
	}

	/** Starts: becomes leader when possible (or waits for the lock), sets up online/offline handling. */
	start(): void {
		if (this.#started) return;
		this.#started = true;
		this.#abort = new AbortController();
		if (typeof window !== 'undefined' && typeof window.addEventListener === 'function') {
			this.#online = typeof navigator === 'undefined' || navigator.onLine !== false;
			const on = () => {
				this.#online = true;
				this.refresh();
				this.#emit();
			};
			const off = () => {
				this.#online = false;
				this.#emit();
			};
			window.addEventListener('online', on);
			window.addEventListener('offline', off);
			this.#cleanup.push(() => window.removeEventListener('online', on), () => window.removeEventListener('offline', off));
		}
		if (typeof BroadcastChannel !== 'undefined') {
			const ch = new BroadcastChannel(CHANNEL);
			ch.onmessage = (ev: MessageEvent) => {
				if (this.#leader) return;
				if (ev.data?.type === 'shapes') {
					this.#followerShapes = ev.data.shapes;
					this.#emit();
				}
			};
			this.#channel = ch;
			this.#cleanup.push(() => ch.close());
		}
		const locks = this.opts.noLeaderElection ? undefined : lockManager();
		if (!locks) {
			void this.#lead();
			return;
		}
		const signal = this.#abort.signal;
		locks
			.request(SYNC_LOCK, { signal }, async () => {
				if (signal.aborted) return;
				await this.#lead();
				// Hold the lock until stop().
				await new Promise<void>((resolve) => {
					this.#release = resolve;
					signal.addEventListener('abort', () => resolve(), { once: true });
				});
			})
			.catch(() => {
				/* aborted while waiting for the lock */
			});
	}

	async #lead() {
		if (!this.#started) return;
		this.#leader = true;
		this.outbox.start();
		await this.replicator.start();
		const every = this.opts.confirm?.intervalMs ?? 1_000;
		this.#sweepTimer = setInterval(() => void this.sweep(), every);
		this.#emit();
	}

	/** Overlay confirmation fallbacks; runs every second in the leader. */
	sweep(now = Date.now()): Promise<number> {
		return sweepPending(this.opts.db, {
			now,
			liveSince: (s) => this.replicator.liveSince(s),
			syncedShapes: new Set(this.replicator.shapes),
			settleMs: this.opts.confirm?.settleMs,
			timeoutMs: this.opts.confirm?.timeoutMs
		}).catch((e) => {
			this.opts.log?.('overlay sweep failed', e);
			return 0;
		});
	}

	/** Stops syncing (rows, outbox and positions stay in Dexie) and releases leadership. */
	stop(): void {
		if (!this.#started) return;
		this.#started = false;
		clearInterval(this.#sweepTimer);
		this.replicator.stop();
		this.outbox.stop();
		this.#leader = false;
		this.#abort?.abort();
		this.#release?.();
		for (const c of this.#cleanup.splice(0)) c();
		this.#emit();
	}

	/** Reconnect now (after coming online, waking up, or signing in). */
	refresh(): void {
		this.replicator.refresh();
		this.outbox.retryNow();
	}

	/** Signed in again: same user → queue resumes; streams paused on 401 retry. */
	signedIn(userId: string): void {
		this.outbox.signedIn(userId);
		this.replicator.authRestored();
		this.refresh();
	}

	/** Records a mutation (optimistic overlay + outbox, one transaction) and, as leader, sends it. */
	async mutate(name: string, args: unknown, opts: EnqueueOptions = {}): Promise<OutboxRecord> {
		if (this.#leader) return this.outbox.mutate(name, args, { registry: this.opts.registry, ...opts });
		return enqueueMutation(this.opts.db, this.outbox.userId, name, args, { registry: this.opts.registry, ...opts });
	}
}
