// Wires replication, the outbox and overlay confirmation together, in ONE tab per browser:
// the leader holds the Web Lock `outpost-sync` (navigator.locks) for as long as it syncs; other tabs
// wait in the lock queue and just read Dexie (and still enqueue mutations, which the leader sends).
// When the leader tab closes, the next tab in the queue takes over. Without Web Locks (Node, tests,
// very old browsers) the engine syncs directly.
import { Replicator, type ReplicatorOptions, type ShapeSyncState } from './replicator';
import { Outbox, type OptimisticRegistry, type OutboxOptions, type OutboxStatus, type EnqueueOptions, enqueueMutation } from './outbox';
import { sweepPending } from './txids';
import { LiveMux, type WebSocketLike } from './live-mux';
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
	/**
	 * Opens a WebSocket to the app's `/ws`: live shape requests then travel over it (./live-mux.ts),
	 * HTTP stays the fallback. Without it every long-poll is its own HTTP request.
	 */
	liveSocket?: () => WebSocketLike;
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
	/** Carries the live requests when `liveSocket` is given. */
	readonly mux?: LiveMux;
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
	#locks?: LockManagerLike;
	#shapeAuthPaused = false;

	constructor(opts: SyncEngineOptions) {
		this.opts = opts;
		const transport = withHeaders(opts.fetchClient, opts.headers);
		if (opts.liveSocket) this.mux = new LiveMux({ connect: opts.liveSocket, fallback: transport ?? ((...a) => fetch(...a)), log: opts.log });
		this.replicator = new Replicator({
			db: opts.db,
			shapes: opts.shapes,
			baseUrl: opts.baseUrl,
			fetchClient: this.mux?.fetch ?? transport,
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
			if (this.#leader) this.#channel?.postMessage({ type: 'shapes', shapes });
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
			ch.onmessage = (ev: MessageEvent) => this.#onChannel(ev.data);
			this.#channel = ch;
			this.#cleanup.push(() => ch.close());
			// A tab that joins asks the leader for the current state instead of showing nothing
			// until the next change.
			ch.postMessage({ type: 'hello' });
		}
		if (typeof document !== 'undefined' && typeof document.addEventListener === 'function') {
			const onVisibility = () => {
				// A visible follower tells a hidden leader, which hands the sync over (a hidden tab's
				// streams pause, so the tab the user looks at would stop getting changes).
				if (!this.#leader && document.visibilityState === 'visible') this.#channel?.postMessage({ type: 'visible' });
			};
			document.addEventListener('visibilitychange', onVisibility);
			this.#cleanup.push(() => document.removeEventListener('visibilitychange', onVisibility));
		}
		const locks = this.opts.noLeaderElection ? undefined : lockManager();
		if (!locks) {
			void this.#lead();
			return;
		}
		this.#locks = locks;
		this.#queueForLock();
	}

	#onChannel(data: { type?: string; shapes?: Record<string, ShapeSyncState> } | undefined) {
		if (!data) return;
		if (this.#leader) {
			if (data.type === 'hello') this.#channel?.postMessage({ type: 'shapes', shapes: this.replicator.state() });
			else if (data.type === 'visible' && typeof document !== 'undefined' && document.visibilityState === 'hidden') this.#handOver();
			return;
		}
		if (data.type === 'shapes' && data.shapes) {
			this.#followerShapes = data.shapes;
			this.#emit();
		} else if (data.type === 'leader' && typeof document !== 'undefined' && document.visibilityState === 'visible') {
			// A new leader: if it is hidden, it will pass the sync on to this visible tab.
			this.#channel?.postMessage({ type: 'visible' });
		}
	}

	/** Waits in the Web Lock queue; leads while holding the lock. */
	#queueForLock() {
		const locks = this.#locks;
		const signal = this.#abort?.signal;
		if (!locks || !signal) return;
		locks
			.request(SYNC_LOCK, { signal }, async () => {
				if (signal.aborted || !this.#started) return;
				await this.#lead();
				this.#channel?.postMessage({ type: 'leader' });
				// Hold the lock until stop() or a hand-over.
				await new Promise<void>((resolve) => {
					this.#release = resolve;
					signal.addEventListener('abort', () => resolve(), { once: true });
				});
			})
			.catch(() => {
				/* aborted while waiting for the lock */
			});
	}

	/** Hidden leader → a visible tab leads: stop syncing here, release the lock, queue again. */
	#handOver() {
		if (!this.#leader || !this.#started) return;
		this.opts.log?.('sync: handing over to a visible tab');
		this.#unlead();
		const release = this.#release;
		this.#release = undefined;
		release?.();
		this.#queueForLock();
		this.#emit();
	}

	#unlead() {
		// Not the leader first: the streams' "stopped" states must not be broadcast as the truth.
		this.#leader = false;
		clearInterval(this.#sweepTimer);
		this.replicator.stop();
		this.mux?.close();
		this.outbox.stop();
	}

	async #lead() {
		if (!this.#started) return;
		this.#leader = true;
		this.mux?.resume();
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
		this.#unlead();
		this.#abort?.abort();
		this.#release?.();
		for (const c of this.#cleanup.splice(0)) c();
		this.#emit();
	}

	/** Reconnect now (after coming online, waking up, or signing in). */
	refresh(): void {
		this.mux?.refresh();
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
