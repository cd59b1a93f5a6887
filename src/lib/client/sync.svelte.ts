// Sync status for the UI (runes): online flag, per-shape state, "3 changes waiting to sync",
// the conflicts count and whether sign-in is needed. It owns the one SyncEngine of this tab; the
// engine decides (Web Locks) whether this tab is the one that syncs. Lists read Dexie directly
// (liveQuery) and lay pending overlays over the rows with `withOverlays`.
//
// This module is light on purpose (no Dexie, no Electric client, no engine): every route imports
// it through the shell. The engine lives in ./sync-host.ts and is loaded by dynamic import once the
// first screen has painted (`firstPaint()`, called by the root layout), so sync never delays the
// first render. Calls made before it is loaded (mutate, queueAttachment) wait for it.
//
// Wiring (app shell): `sync.start({ userId })` once the session knows the user,
// `sync.signedIn(userId)` after a sign-in (the same user's paused queue resumes),
// `session.onSignOut(() => sync.signedOut())`.
import type { SyncEngine } from '$sync/client/engine';
import type { ShapeSyncState } from '$sync/client/replicator';
import type { EnqueueOptions } from '$sync/client/outbox';
import type { ConflictRecord, OutboxRecord } from '$sync/client/schema';
import type { OutpostDb, UploadRecord } from './db';
import type { HostOptions, SyncHost } from './sync-host';

export { withOverlays, applyOverlays, type WithPending } from '$sync/client/overlays';

export type StartOptions = HostOptions;

let painted: () => void = () => {};
const paintedGate: Promise<void> =
	typeof window === 'undefined' || typeof requestAnimationFrame === 'undefined'
		? Promise.resolve()
		: new Promise<void>((resolve) => {
				painted = resolve;
				// Never hold sync back for long, even if no screen reports its first paint.
				setTimeout(resolve, 3000);
			});

let hasPainted = false;
let holds = 0;
const openIfReady = () => {
	if (hasPainted && holds === 0) painted();
};

/** Called by the root layout once it has mounted: sync may load after the next frame. */
export function firstPaint(): void {
	hasPainted = true;
	openIfReady();
}

/**
 * A screen that shows local data holds the sync engine back until its first rows are on screen
 * (at most 2 s), so the engine's start (its chunks, Dexie writes) never competes with that first
 * read. Call it while the screen initialises; call the returned function once the rows show.
 */
export function holdSyncUntilShown(maxMs = 2000): () => void {
	if (hasPainted && holds === 0) return () => {};
	holds++;
	let released = false;
	const release = () => {
		if (released) return;
		released = true;
		holds--;
		openIfReady();
	};
	setTimeout(release, maxMs);
	return release;
}

/** Resolves after the first screen has painted (immediately outside a browser). */
function afterFirstPaint(): Promise<void> {
	return paintedGate.then(
		() =>
			new Promise<void>((resolve) => {
				if (typeof requestAnimationFrame === 'undefined') return resolve();
				requestAnimationFrame(() => setTimeout(resolve, 0));
			})
	);
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
	/** Newest time any shape was in sync, as stored by the leader tab (followers see it too). */
	lastSyncedAt = $state<number | undefined>(undefined);

	#host: SyncHost | null = null;
	#loading: Promise<SyncHost | null> | null = null;
	/** Bumped by stop(): a host that finishes loading for an older start is dropped. */
	#generation = 0;

	/** Every shape live (or a role-forbidden one skipped). */
	get upToDate(): boolean {
		const list = Object.values(this.shapes);
		return list.length > 0 && list.every((s) => s.phase === 'live' || (s.phase === 'error' && s.status === 403));
	}

	get syncing(): boolean {
		return Object.values(this.shapes).some((s) => s.phase === 'connecting' || s.phase === 'initial');
	}

	get engine(): SyncEngine | null {
		return this.#host?.engine ?? null;
	}

	/**
	 * Starts syncing for this user (idempotent; another user restarts the engine). The engine is
	 * loaded after the first paint; the promise resolves once it runs.
	 */
	start(opts: StartOptions): Promise<void> {
		if (this.userId === opts.userId && (this.#host || this.#loading)) return this.#ready().then(() => {});
		this.stop();
		this.userId = opts.userId;
		const generation = this.#generation;
		const loading = afterFirstPaint()
			.then(() => import('./sync-host'))
			.then(({ startHost }) => {
				if (generation !== this.#generation) return null;
				this.#host = startHost(opts, {
					status: (s) => {
						this.online = s.online;
						this.leader = s.leader;
						this.shapes = s.shapes;
						this.heldCount = s.outbox.heldForOtherUsers;
						this.needsSignIn = s.needsSignIn;
						this.lastError = s.outbox.lastError;
					},
					outboxCount: (n) => (this.outboxCount = n),
					conflictsCount: (n) => (this.conflictsCount = n),
					lastSynced: (ms) => (this.lastSyncedAt = ms)
				});
				return this.#host;
			})
			.catch((e: unknown) => {
				// The chunk could not be loaded (offline without a service worker): retried on the next start.
				if (generation === this.#generation) {
					this.lastError = e instanceof Error ? e.message : String(e);
					this.#loading = null;
				}
				return null;
			});
		this.#loading = loading;
		return loading.then(() => {});
	}

	/** The running host, waiting for it to load; throws when sync is not started. */
	async #ready(): Promise<SyncHost> {
		const host = this.#host ?? (await this.#loading);
		if (!host) throw new Error('sync is not started (no signed-in user)');
		return host;
	}

	stop(): void {
		this.#generation++;
		this.#host?.stop();
		this.#host = null;
		this.#loading = null;
		this.userId = null;
		this.shapes = {};
		this.leader = false;
		this.needsSignIn = false;
		this.lastSyncedAt = undefined;
	}

	/** After sign-in: the same user resumes the paused queue; another user gets a fresh engine. */
	signedIn(userId: string, opts: Omit<StartOptions, 'userId'> = {}): Promise<void> {
		if (this.userId === userId && (this.#host || this.#loading)) return this.#ready().then((h) => h.signedIn(userId));
		return this.start({ ...opts, userId });
	}

	/** Sign-out: stop and wipe the synced rows (outbox and conflicts stay for that user). */
	async signedOut(db?: OutpostDb): Promise<void> {
		this.stop();
		const { clearSyncedData, getDb } = await import('./db');
		await clearSyncedData(db ?? getDb());
	}

	/** Records a change: optimistic overlay + outbox in one transaction, sent when possible. */
	async mutate(name: string, args: unknown, opts: EnqueueOptions = {}): Promise<OutboxRecord> {
		return (await this.#ready()).mutate(name, args, opts);
	}

	/**
	 * Keeps a chosen file (online or not) for upload and returns its record: put `record.id` in
	 * the `attachments` of the comment mutation; the comment is sent once the file is uploaded.
	 */
	async queueAttachment(file: File | Blob, name?: string): Promise<UploadRecord> {
		return (await this.#ready()).queueAttachment(file, name);
	}

	/** Reconnect now. */
	refresh(): void {
		this.#host?.refresh(this.leader);
	}

	async dismissConflict(id: string, db?: OutpostDb): Promise<void> {
		const [{ dismissConflict }, { getDb }] = await Promise.all([import('$sync/client/outbox'), import('./db')]);
		return dismissConflict(db ?? getDb(), id);
	}

	async retryConflict(id: string, args?: unknown, db?: OutpostDb): Promise<OutboxRecord | undefined> {
		const [{ retryConflict }, { getDb }] = await Promise.all([import('$sync/client/outbox'), import('./db')]);
		return retryConflict(db ?? getDb(), id, { args, userId: this.userId ?? undefined, registry: this.#host?.engine.opts.registry });
	}

	/**
	 * The conflicts inbox of the signed-in user, newest first. Pass the database when calling
	 * inside a liveQuery (its reads must be Dexie's own, not behind a dynamic import).
	 */
	conflicts(db?: OutpostDb): Promise<ConflictRecord[]> {
		const uid = this.userId;
		if (!uid) return Promise.resolve([]);
		const read = (d: OutpostDb) => d.conflicts.where('userId').equals(uid).reverse().sortBy('createdAt');
		return db ? read(db) : import('./db').then(({ getDb }) => read(getDb()));
	}
}

export const sync = new SyncStore();
