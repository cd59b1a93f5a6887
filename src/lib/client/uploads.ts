// Attachments that work offline (ARCHITECTURE §11). A chosen file is stored in Dexie (`uploads`,
// with its Blob) under a client-generated file id, so a comment can reference it at once
// (`comment.add` with `attachments: [id]`) and be queued in the outbox like any mutation. The
// `Uploader` (leader tab) sends queued files to `POST /api/v1/files` with `X-File-Id` (a retry
// after a lost response is answered with the stored file: uploaded once), retrying with jittered
// backoff and resuming after a reload. The outbox is given `uploadsReady(db)` as its `ready`
// gate: a mutation is sent only once every file it references is uploaded (or was refused, in
// which case the server rejects the mutation and it lands in the conflicts inbox with the text
// the user typed). The Uploader kicks the outbox after each upload.
import type { OutpostDb, UploadRecord } from './db';
import type { OutboxRecord } from '$sync/client/schema';
import { newId } from '$sync/client/ids';

/** The file ids a mutation's args reference (`attachments`). */
export function referencedFiles(args: unknown): string[] {
	const a = (args as { attachments?: unknown } | null)?.attachments;
	return Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : [];
}

/** Stores a chosen file for upload; returns its record (the id goes into the mutation's `attachments`). */
export async function queueUpload(db: OutpostDb, userId: string, file: Blob, opts: { name?: string; mutationId?: string } = {}): Promise<UploadRecord> {
	if (!userId) throw new Error('queueUpload: no signed-in user');
	const now = Date.now();
	const rec: UploadRecord = {
		id: newId(),
		userId,
		blob: file,
		name: opts.name ?? (file as File).name ?? 'file',
		type: file.type,
		size: file.size,
		status: 'queued',
		mutationId: opts.mutationId,
		attempts: 0,
		createdAt: now,
		updatedAt: now
	};
	await db.uploads.add(rec);
	return rec;
}

/** The outbox gate: a mutation waits while any file it references is still queued or uploading. */
export function uploadsReady(db: OutpostDb): (m: OutboxRecord) => Promise<boolean> {
	return async (m) => {
		const ids = referencedFiles(m.args);
		if (!ids.length) return true;
		const recs = await db.uploads.bulkGet(ids);
		return recs.every((r) => !r || r.status === 'done' || r.status === 'failed');
	};
}

/** Removes an upload the user took back before it was sent. */
export function cancelUpload(db: OutpostDb, id: string): Promise<void> {
	return db.uploads.delete(id);
}

/** Drops records of finished uploads older than `olderThanMs` (their bytes are already gone). */
export async function pruneUploads(db: OutpostDb, olderThanMs = 86_400_000): Promise<number> {
	const cutoff = Date.now() - olderThanMs;
	return db.uploads
		.where('status')
		.equals('done')
		.filter((r) => r.updatedAt < cutoff)
		.delete();
}

export interface UploaderOptions {
	db: OutpostDb;
	userId: string;
	baseUrl: string;
	fetchClient?: typeof fetch;
	headers?: () => Record<string, string> | Promise<Record<string, string>>;
	/** Called once on a 401; resolve true if credentials were refreshed. */
	refreshAuth?: () => Promise<boolean>;
	/** Retry backoff: first delay, cap (ms). Default 2 s → 5 min, ×2, jittered. */
	backoff?: { initialDelay: number; maxDelay: number };
	/** After each upload that finished (done or refused): e.g. `() => outbox.kick()`. */
	onSettled?: (rec: UploadRecord) => void;
	/** Watch for new uploads and `online` events (default true). */
	auto?: boolean;
	log?: (msg: string, extra?: unknown) => void;
}

export interface UploadRunResult {
	uploaded: number;
	failed: number;
	/** Why the run stopped early. */
	stopped?: 'network' | 'unauthenticated' | 'stopped';
}

/** Statuses after which retrying the same bytes cannot succeed. */
const PERMANENT = new Set([400, 403, 409, 413, 415, 422]);

/** Sends queued uploads (one instance, in the leader tab). */
export class Uploader {
	readonly #o: UploaderOptions;
	#running: Promise<UploadRunResult> | null = null;
	#again = false;
	#timer?: ReturnType<typeof setTimeout>;
	#stopped = false;
	/** `kick()` (automatic runs) only between start() and stop(); `run()` is always explicit. */
	#started = false;
	#needsSignIn = false;
	#cleanup: Array<() => void> = [];

	constructor(opts: UploaderOptions) {
		this.#o = opts;
	}

	get needsSignIn(): boolean {
		return this.#needsSignIn;
	}

	start(): void {
		this.#stopped = false;
		this.#started = true;
		if (this.#o.auto !== false) {
			const slow = setInterval(() => this.kick(), 30_000);
			this.#cleanup.push(() => clearInterval(slow));
			if (typeof window !== 'undefined') {
				const online = () => void this.retryNow().catch((e) => this.#o.log?.('uploader failed', e));
				window.addEventListener('online', online);
				this.#cleanup.push(() => window.removeEventListener('online', online));
			}
		}
		this.kick();
	}

	stop(): void {
		this.#stopped = true;
		this.#started = false;
		clearTimeout(this.#timer);
		for (const c of this.#cleanup.splice(0)) c();
	}

	signedIn(userId: string): void {
		this.#o.userId = userId;
		this.#needsSignIn = false;
		this.kick();
	}

	/**
	 * Back online (or the user asked): forget the backoff of this user's waiting uploads and run now.
	 * A run already in flight is let finish first: it may have started its request while still
	 * offline, and a retry coalesced into it would be lost when it fails, leaving the file to wait
	 * for its backoff (up to `maxDelay`) although the network is back.
	 */
	async retryNow(): Promise<UploadRunResult> {
		for (;;) {
			while (this.#running) await this.#running.catch(() => undefined);
			clearTimeout(this.#timer);
			await this.#o.db.uploads
				.where('status')
				.equals('queued')
				.filter((r) => r.userId === this.#o.userId)
				.modify({ nextAttemptAt: 0 });
			// Another run may have started while the backoff was being cleared: let it finish too.
			if (!this.#running) return this.run();
		}
	}

	kick(): void {
		if (!this.#started) return;
		void this.run().catch((e) => this.#o.log?.('uploader failed', e));
	}

	/** Uploads every due record of this user, oldest first. Concurrent calls coalesce. */
	run(): Promise<UploadRunResult> {
		if (this.#running) {
			this.#again = true;
			return this.#running;
		}
		this.#running = (async () => {
			const total: UploadRunResult = { uploaded: 0, failed: 0 };
			try {
				do {
					this.#again = false;
					const r = await this.#runOnce();
					total.uploaded += r.uploaded;
					total.failed += r.failed;
					total.stopped = r.stopped;
				} while (this.#again && !total.stopped);
			} finally {
				this.#running = null;
			}
			return total;
		})();
		return this.#running;
	}

	async #due(): Promise<UploadRecord[]> {
		const now = Date.now();
		// `uploading` left over from a reload or crash mid-upload is resumed like `queued`.
		const rows = await this.#o.db.uploads.where('status').anyOf('queued', 'uploading').toArray();
		return rows.filter((r) => r.userId === this.#o.userId && (r.nextAttemptAt ?? 0) <= now).sort((a, b) => a.createdAt - b.createdAt);
	}

	async #runOnce(): Promise<UploadRunResult> {
		const out: UploadRunResult = { uploaded: 0, failed: 0 };
		let refreshed = false;
		for (const rec of await this.#due()) {
			if (this.#stopped) return { ...out, stopped: 'stopped' };
			if (this.#needsSignIn) return { ...out, stopped: 'unauthenticated' };
			const db = this.#o.db;
			await db.uploads.update(rec.id, { status: 'uploading', updatedAt: Date.now() });
			let res: Response;
			try {
				res = await this.#post(rec);
				if (res.status === 401 && !refreshed && this.#o.refreshAuth && (await this.#o.refreshAuth().catch(() => false))) {
					refreshed = true;
					await res.body?.cancel().catch(() => {});
					res = await this.#post(rec);
				}
			} catch (e) {
				await this.#retryLater(rec, `network: ${e instanceof Error ? e.message : String(e)}`);
				return { ...out, stopped: 'network' };
			}
			if (res.status === 401) {
				await res.body?.cancel().catch(() => {});
				await db.uploads.update(rec.id, { status: 'queued', updatedAt: Date.now() });
				this.#needsSignIn = true;
				return { ...out, stopped: 'unauthenticated' };
			}
			const body = (await res.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
			if (res.ok) {
				await db.uploads.update(rec.id, { status: 'done', blob: null, meta: body, lastError: undefined, updatedAt: Date.now() });
				out.uploaded++;
				this.#o.onSettled?.({ ...rec, status: 'done', blob: null, meta: body });
			} else if (PERMANENT.has(res.status)) {
				const lastError = body?.error?.message ?? `The server refused the file (${res.status}).`;
				await db.uploads.update(rec.id, { status: 'failed', lastError, updatedAt: Date.now() });
				out.failed++;
				this.#o.onSettled?.({ ...rec, status: 'failed', lastError });
			} else {
				await this.#retryLater(rec, `server answered ${res.status}`, Number(res.headers.get('retry-after')) * 1000 || 0);
				// Try the next file; this one waits for its backoff.
			}
		}
		return out;
	}

	#post(rec: UploadRecord): Promise<Response> {
		return (async () => {
			const fetchFn = this.#o.fetchClient ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
			const headers = {
				'content-type': 'application/octet-stream',
				'x-file-id': rec.id,
				'x-filename': encodeURIComponent(rec.name),
				accept: 'application/json',
				...((await this.#o.headers?.()) ?? {})
			};
			return fetchFn(this.#o.baseUrl.replace(/\/$/, '') + '/api/v1/files', { method: 'POST', headers, body: rec.blob ?? new Blob([]), credentials: 'same-origin' });
		})();
	}

	async #retryLater(rec: UploadRecord, message: string, minDelayMs = 0) {
		const attempts = rec.attempts + 1;
		const { initialDelay, maxDelay } = this.#o.backoff ?? { initialDelay: 2_000, maxDelay: 300_000 };
		const cap = Math.min(maxDelay, initialDelay * 2 ** (attempts - 1));
		const delay = Math.max(minDelayMs, cap / 2 + Math.random() * (cap / 2));
		await this.#o.db.uploads.update(rec.id, { status: 'queued', attempts, lastError: message, nextAttemptAt: Date.now() + delay, updatedAt: Date.now() });
		this.#o.log?.(`uploads: ${message}; retry in ${Math.round(delay)} ms`);
		clearTimeout(this.#timer);
		this.#timer = setTimeout(() => this.kick(), delay);
	}
}
