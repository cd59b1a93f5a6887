// Sync status for the UI (runes): online flag, per-shape state, "3 changes waiting to sync",
// the conflicts count and whether sign-in is needed. It owns the one SyncEngine of this tab; the
// engine decides (Web Locks) whether this tab is the one that syncs. Lists read Dexie directly
// (liveQuery) and lay pending overlays over the rows with `withOverlays`.
//
// Wiring (app shell): `sync.start({ userId })` once the session knows the user,
// `sync.signedIn(userId)` after a sign-in (the same user's paused queue resumes),
// `session.onSignOut(() => sync.signedOut())`.
import { liveQuery, type Subscription } from 'dexie';
import { SyncEngine, type SyncEngineOptions } from '$sync/client/engine';
import type { ShapeSyncState } from '$sync/client/replicator';
import type { EnqueueOptions, OptimisticRegistry } from '$sync/client/outbox';
import { dismissConflict, retryConflict } from '$sync/client/outbox';
import { SHAPE_NAMES, type ConflictRecord, type OutboxRecord } from '$sync/client/schema';
import { defaultOptimistic } from '$sync/client/optimistic';
import type { WebSocketLike } from '$sync/client/live-mux';
import { getDb, clearSyncedData, type OutpostDb } from './db';
import { refreshSession } from './api';
import { Uploader, queueUpload, uploadsReady } from './uploads';
import type { UploadRecord } from './db';

export { withOverlays, applyOverlays, type WithPending } from '$sync/client/overlays';

export interface StartOptions {
	userId: string;
	/** Shapes to replicate (default: all; the gatekeeper answers 403 for those a role may not read). */
	shapes?: readonly string[];
	registry?: OptimisticRegistry;
	/** Session refresh (cookie rotation); true when the session is valid again. */
	refreshAuth?: () => Promise<boolean>;
	/** For tests / non-browser hosts. */
	baseUrl?: string;
	fetchClient?: typeof fetch;
	headers?: SyncEngineOptions['headers'];
	/** Live requests over this WebSocket (default in the browser: the app's `/ws`). */
	liveSocket?: SyncEngineOptions['liveSocket'] | false;
	db?: OutpostDb;
}

/** The app's own `/ws` (cookies authenticate it), in a browser; nothing elsewhere. */
function defaultLiveSocket(): SyncEngineOptions['liveSocket'] {
	if (typeof location === 'undefined' || typeof WebSocket === 'undefined') return undefined;
	// events=0: real-time events go to the tab's own socket (realtime.svelte.ts), not this one.
	const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?events=0`;
	return () => new WebSocket(url) as unknown as WebSocketLike;
}

class SyncStore {
	online = $state(true);
	leader = $state(false);
	shapes = $state<Record<string, ShapeSyncState>>({});
	/** Mutations of the signed-in user not yet confirmed by the server. */
	outboxCount = $state(0);
	/** Queued by another user on this device, held until they sign in again. */
	heldCount = $state(0);
	conflictsCount = $state(0);
	needsSignIn = $state(false);
	lastError = $state<string | undefined>(undefined);
	userId = $state<string | null>(null);

	#engine: SyncEngine | null = null;
	/** Sends files chosen (possibly offline) for attachments; runs in the leader tab only. */
	#uploader: Uploader | null = null;
	#db: OutpostDb | null = null;
	#subs: Array<{ unsubscribe(): void } | (() => void)> = [];

	/** Every shape live (or a role-forbidden one skipped). */
	get upToDate(): boolean {
		const list = Object.values(this.shapes);
		return list.length > 0 && list.every((s) => s.phase === 'live' || (s.phase === 'error' && s.status === 403));
	}

	get syncing(): boolean {
		return Object.values(this.shapes).some((s) => s.phase === 'connecting' || s.phase === 'initial');
	}

	get engine(): SyncEngine | null {
		return this.#engine;
	}

	/** Starts syncing for this user (idempotent; another user restarts the engine). */
	start(opts: StartOptions): SyncEngine {
		if (this.#engine && this.userId === opts.userId) return this.#engine;
		this.stop();
		const db = opts.db ?? getDb();
		const engine = new SyncEngine({
			db,
			userId: opts.userId,
			baseUrl: opts.baseUrl ?? (typeof location !== 'undefined' ? location.origin : 'http://localhost'),
			shapes: opts.shapes ?? SHAPE_NAMES,
			registry: opts.registry ?? defaultOptimistic,
			// Cookie sessions: a 401 first tries the shared refresh-token rotation of api.ts.
			refreshAuth: opts.refreshAuth ?? (opts.headers ? undefined : refreshSession),
			fetchClient: opts.fetchClient,
			headers: opts.headers,
			liveSocket: opts.liveSocket === false ? undefined : (opts.liveSocket ?? defaultLiveSocket()),
			// A per-user, non-protocol parameter keeps the client's shape caches of two users apart.
			replicator: { params: { scope: opts.userId } },
			// A mutation that references files waits until they are uploaded.
			outbox: { ready: uploadsReady(db) }
		});
		this.#engine = engine;
		this.#db = db;
		const uploader = new Uploader({
			db,
			userId: opts.userId,
			baseUrl: opts.baseUrl ?? (typeof location !== 'undefined' ? location.origin : 'http://localhost'),
			fetchClient: opts.fetchClient,
			headers: opts.headers,
			refreshAuth: opts.refreshAuth ?? (opts.headers ? undefined : refreshSession),
			onSettled: () => engine.outbox.kick()
		});
		this.#uploader = uploader;
		let uploading = false;
		this.userId = opts.userId;
		this.#subs.push(
			engine.subscribe((s) => {
				this.online = s.online;
				this.leader = s.leader;
				this.shapes = s.shapes;
				this.heldCount = s.outbox.heldForOtherUsers;
				this.needsSignIn = s.needsSignIn;
				this.lastError = s.outbox.lastError;
				if (s.leader !== uploading) {
					uploading = s.leader;
					if (uploading) uploader.start();
					else uploader.stop();
				}
			})
		);
		this.#subs.push(() => uploader.stop());
		// Counts straight from Dexie, so follower tabs see them too.
		const outboxSub: Subscription = liveQuery(() => db.outbox.where('[userId+seq]').between([opts.userId, -Infinity], [opts.userId, Infinity]).count()).subscribe({
			next: (n) => (this.outboxCount = n),
			error: () => {}
		});
		const conflictsSub: Subscription = liveQuery(() => db.conflicts.where('userId').equals(opts.userId).count()).subscribe({
			next: (n) => (this.conflictsCount = n),
			error: () => {}
		});
		this.#subs.push(outboxSub, conflictsSub);
		engine.start();
		return engine;
	}

	stop(): void {
		for (const s of this.#subs.splice(0)) (typeof s === 'function' ? s : () => s.unsubscribe())();
		this.#engine?.stop();
		this.#engine = null;
		this.#uploader = null;
		this.userId = null;
		this.shapes = {};
		this.leader = false;
		this.needsSignIn = false;
	}

	/** After sign-in: the same user resumes the paused queue; another user gets a fresh engine. */
	signedIn(userId: string, opts: Omit<StartOptions, 'userId'> = {}): void {
		if (this.#engine && this.userId === userId) {
			this.#engine.signedIn(userId);
			this.#uploader?.signedIn(userId);
		}
		else this.start({ ...opts, userId });
	}

	/** Sign-out: stop and wipe the synced rows (outbox and conflicts stay for that user). */
	async signedOut(db: OutpostDb = getDb()): Promise<void> {
		this.stop();
		await clearSyncedData(db);
	}

	/** Records a change: optimistic overlay + outbox in one transaction, sent when possible. */
	mutate(name: string, args: unknown, opts: EnqueueOptions = {}): Promise<OutboxRecord> {
		if (!this.#engine) return Promise.reject(new Error('sync is not started (no signed-in user)'));
		return this.#engine.mutate(name, args, opts);
	}

	/**
	 * Keeps a chosen file (online or not) for upload and returns its record: put `record.id` in
	 * the `attachments` of the comment mutation; the comment is sent once the file is uploaded.
	 */
	async queueAttachment(file: File | Blob, name?: string): Promise<UploadRecord> {
		if (!this.#engine || !this.userId || !this.#db) throw new Error('sync is not started (no signed-in user)');
		const rec = await queueUpload(this.#db, this.userId, file, { name });
		this.#uploader?.kick();
		return rec;
	}

	/** Reconnect now. */
	refresh(): void {
		this.#engine?.refresh();
		if (this.leader) void this.#uploader?.retryNow().catch(() => {});
	}

	dismissConflict(id: string, db: OutpostDb = getDb()): Promise<void> {
		return dismissConflict(db, id);
	}

	retryConflict(id: string, args?: unknown, db: OutpostDb = getDb()): Promise<OutboxRecord | undefined> {
		return retryConflict(db, id, { args, userId: this.userId ?? undefined, registry: this.#engine?.opts.registry });
	}

	/** The conflicts inbox of the signed-in user, newest first (for a liveQuery). */
	conflicts(db: OutpostDb = getDb()): Promise<ConflictRecord[]> {
		const uid = this.userId;
		return uid ? db.conflicts.where('userId').equals(uid).reverse().sortBy('createdAt') : Promise.resolve([]);
	}
}

export const sync = new SyncStore();
