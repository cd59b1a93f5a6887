// The heavy half of the sync store (src/lib/client/sync.svelte.ts): the SyncEngine (Electric shape
// streams, outbox), the attachment uploader and the Dexie counts the shell shows. It is loaded by
// dynamic import once the first screen has painted, so no route pays for Dexie, the Electric
// client or the sync engine before it renders.
import { liveQuery, type Subscription } from 'dexie';
import { SyncEngine, type SyncEngineOptions, type SyncStatus } from '$sync/client/engine';
import type { EnqueueOptions, OptimisticRegistry } from '$sync/client/outbox';
import { SHAPE_NAMES, type OutboxRecord } from '$sync/client/schema';
import { defaultOptimistic } from '$sync/client/optimistic';
import type { WebSocketLike } from '$sync/client/live-mux';
import { getDb, type OutpostDb, type UploadRecord } from './db';
import { refreshSession } from './api';
import { Uploader, queueUpload, uploadsReady } from './uploads';
import { loadMutations } from './mutations';

export interface HostOptions {
	userId: string;
	shapes?: readonly string[];
	registry?: OptimisticRegistry;
	refreshAuth?: () => Promise<boolean>;
	baseUrl?: string;
	fetchClient?: typeof fetch;
	headers?: SyncEngineOptions['headers'];
	liveSocket?: SyncEngineOptions['liveSocket'] | false;
	db?: OutpostDb;
	/**
	 * Run once, while idle, when this tab (the leader) first sees the tickets shape live: e.g. the
	 * desk computes and saves its default first screenful, so a first visit after the initial sync
	 * paints one saved record instead of reading every page of tickets.
	 */
	warm?: () => Promise<unknown>;
}

/** Where the host reports what the UI shows (the runes store). */
export interface HostSink {
	status(s: SyncStatus): void;
	outboxCount(n: number): void;
	conflictsCount(n: number): void;
	/** Newest `lastSyncedAt` the leader tab stored (followers see it too). */
	lastSynced(ms: number | undefined): void;
}

export interface SyncHost {
	engine: SyncEngine;
	db: OutpostDb;
	mutate(name: string, args: unknown, opts?: EnqueueOptions): Promise<OutboxRecord>;
	queueAttachment(file: File | Blob, name?: string): Promise<UploadRecord>;
	signedIn(userId: string): void;
	refresh(leader: boolean): void;
	stop(): void;
}

/** The app's own `/ws` (cookies authenticate it), in a browser; nothing elsewhere. */
function defaultLiveSocket(): SyncEngineOptions['liveSocket'] {
	if (typeof location === 'undefined' || typeof WebSocket === 'undefined') return undefined;
	// events=0: real-time events go to the tab's own socket (realtime.svelte.ts), not this one.
	const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?events=0`;
	return () => new WebSocket(url) as unknown as WebSocketLike;
}

export function startHost(opts: HostOptions, sink: HostSink): SyncHost {
	const db = opts.db ?? getDb();
	const baseUrl = opts.baseUrl ?? (typeof location !== 'undefined' ? location.origin : 'http://localhost');
	// Cookie sessions: a 401 first tries the shared refresh-token rotation of api.ts.
	const refreshAuth = opts.refreshAuth ?? (opts.headers ? undefined : refreshSession);
	const engine = new SyncEngine({
		db,
		userId: opts.userId,
		baseUrl,
		shapes: opts.shapes ?? SHAPE_NAMES,
		registry: opts.registry ?? defaultOptimistic,
		refreshAuth,
		fetchClient: opts.fetchClient,
		headers: opts.headers,
		liveSocket: opts.liveSocket === false ? undefined : (opts.liveSocket ?? defaultLiveSocket()),
		// A per-user, non-protocol parameter keeps the client's shape caches of two users apart.
		replicator: { params: { scope: opts.userId } },
		// A mutation that references files waits until they are uploaded.
		outbox: { ready: uploadsReady(db) }
	});
	const uploader = new Uploader({ db, userId: opts.userId, baseUrl, fetchClient: opts.fetchClient, headers: opts.headers, refreshAuth, onSettled: () => engine.outbox.kick() });
	let uploading = false;
	let warmed = !opts.warm;
	const idle = (cb: () => void) => (typeof window !== 'undefined' && window.requestIdleCallback ? window.requestIdleCallback(cb, { timeout: 5_000 }) : setTimeout(cb, 500));
	const subs: Array<() => void> = [];
	subs.push(
		engine.subscribe((s) => {
			sink.status(s);
			if (!warmed && s.leader && s.shapes.tickets?.phase === 'live') {
				warmed = true;
				idle(() => void opts.warm?.().catch(() => {}));
			}
			if (s.leader !== uploading) {
				uploading = s.leader;
				if (uploading) uploader.start();
				else uploader.stop();
			}
		}),
		() => uploader.stop()
	);
	// Counts straight from Dexie, so follower tabs see them too.
	const live = <T>(q: () => Promise<T>, next: (v: T) => void) => {
		const sub: Subscription = liveQuery(q).subscribe({ next, error: () => {} });
		subs.push(() => sub.unsubscribe());
	};
	live(() => db.outbox.where('[userId+seq]').between([opts.userId, -Infinity], [opts.userId, Infinity]).count(), sink.outboxCount);
	live(() => db.conflicts.where('userId').equals(opts.userId).count(), sink.conflictsCount);
	live(
		() => db.shapeState.toArray(),
		(rows) => sink.lastSynced(rows.reduce<number | undefined>((m, r) => (r.lastSyncedAt && (!m || r.lastSyncedAt > m) ? r.lastSyncedAt : m), undefined))
	);
	engine.start();
	// Warm the mutation schemas (zod) while idle, so a first change made offline needs no fetch.
	if (typeof window !== 'undefined') idle(() => void loadMutations().catch(() => {}));
	return {
		engine,
		db,
		mutate: (name, args, o = {}) => engine.mutate(name, args, o),
		async queueAttachment(file, name) {
			const rec = await queueUpload(db, opts.userId, file, { name });
			uploader.kick();
			return rec;
		},
		signedIn(userId) {
			engine.signedIn(userId);
			uploader.signedIn(userId);
		},
		refresh(leader) {
			engine.refresh();
			if (leader) void uploader.retryNow().catch(() => {});
		},
		stop() {
			for (const s of subs.splice(0)) s();
			engine.stop();
		}
	};
}
