// A first screenful straight from IndexedDB, without Dexie: a few dozen rows read through one
// index with the browser's own API (a few hundred bytes of code), so a list screen can paint its
// first rows while Dexie (≈ 31 KB gzip) is still loading for the live, full list. Read-only; it
// never creates the database (no local data yet → null) and steps aside if Dexie upgrades it.
import { DEFAULT_DB_NAME } from './db-name';

export interface PeekOptions<T> {
	/** An index of the store, or null for the primary key. */
	index: string | null;
	/** One key range, or several read one after another in the same transaction (each up to `limit`). */
	range?: IDBKeyRange | null | IDBKeyRange[];
	direction?: IDBCursorDirection;
	/** Rows to return at most. */
	limit: number;
	/** Entries to look at at most (keeps a sparse match from walking a whole table). */
	maxScan?: number;
	filter?: (row: T) => boolean;
	dbName?: string;
}

/**
 * Opens the database read-only (never creating it) and hands `read` one store; null when the
 * database or store is not there, or anything fails.
 */
function withStore<R>(store: string, dbName: string | undefined, read: (os: IDBObjectStore, done: (v: R | null) => void) => void, mode: IDBTransactionMode = 'readonly'): Promise<R | null> {
	if (typeof indexedDB === 'undefined') return Promise.resolve(null);
	return new Promise((resolve) => {
		let req: IDBOpenDBRequest;
		try {
			req = indexedDB.open(dbName ?? DEFAULT_DB_NAME);
		} catch {
			return resolve(null);
		}
		// Only fired when the database does not exist yet: leave its creation to Dexie.
		req.onupgradeneeded = () => req.transaction?.abort();
		req.onerror = () => resolve(null);
		req.onblocked = () => resolve(null);
		req.onsuccess = () => {
			const db = req.result;
			db.onversionchange = () => db.close();
			const done = (v: R | null) => {
				db.close();
				resolve(v);
			};
			try {
				if (!db.objectStoreNames.contains(store)) return done(null);
				read(db.transaction(store, mode).objectStore(store), done);
			} catch {
				done(null);
			}
		};
	});
}

/**
 * Up to `limit` matching rows (per range) in index order; null when the database, store or index is
 * not there.
 */
export function peekRows<T = Record<string, unknown>>(store: string, opts: PeekOptions<T>): Promise<T[] | null> {
	return withStore<T[]>(store, opts.dbName, (os, done) => {
		if (opts.index && !os.indexNames.contains(opts.index)) return done(null);
		const source = opts.index ? os.index(opts.index) : os;
		const out: T[] = [];
		const maxScan = opts.maxScan ?? Infinity;
		const ranges = Array.isArray(opts.range) ? opts.range : [opts.range ?? null];
		// Each range in turn: up to `limit` matches (and `maxScan` entries) from each.
		const next = (i: number) => {
			if (i >= ranges.length) return done(out);
			let found = 0;
			let scanned = 0;
			const cursor = source.openCursor(ranges[i], opts.direction ?? 'next');
			cursor.onsuccess = () => {
				const c = cursor.result;
				if (!c || found >= opts.limit || scanned >= maxScan) return next(i + 1);
				scanned++;
				const row = c.value as T;
				if (!opts.filter || opts.filter(row)) {
					out.push(row);
					found++;
				}
				c.continue();
			};
			cursor.onerror = () => done(null);
		};
		next(0);
	});
}

/** One record by key, without Dexie; null when the database, store or record is not there. */
export function peekRecord<T>(store: string, key: IDBValidKey, dbName?: string): Promise<T | null> {
	return withStore<T>(store, dbName, (os, done) => {
		const req = os.get(key);
		req.onsuccess = () => done((req.result as T | undefined) ?? null);
		req.onerror = () => done(null);
	});
}

/** Puts one record without Dexie (when the database and store exist); resolves whether it was stored. */
export async function putRecord(store: string, value: unknown, dbName?: string): Promise<boolean> {
	const ok = await withStore<boolean>(
		store,
		dbName,
		(os, done) => {
			const req = os.put(value);
			req.onsuccess = () => os.transaction.addEventListener('complete', () => done(true));
			req.onerror = () => done(false);
		},
		'readwrite'
	);
	return ok === true;
}

/** Pages read per request by `peekPacked` (a few MB of rows at a time). */
const PEEK_PAGES = 50;

/**
 * The rows of a packed store (sync/client/packed.ts: records `{ ids, rows }`) for which `filter`
 * holds, in storage order, up to `limit` (default all); null when the database or store is not
 * there. Pages are read PEEK_PAGES at a time with getAll, stopping once `limit` rows matched.
 */
export function peekPacked<T = Record<string, unknown>>(store: string, opts: { filter: (row: T) => boolean; limit?: number; dbName?: string }): Promise<T[] | null> {
	const limit = opts.limit ?? Infinity;
	return withStore<T[]>(store, opts.dbName, (os, done) => {
		const out: T[] = [];
		const next = (after: IDBValidKey | null) => {
			const req = os.getAll(after === null ? null : IDBKeyRange.lowerBound(after, true), PEEK_PAGES);
			req.onsuccess = () => {
				const pages = req.result as Array<{ pid: IDBValidKey; rows: T[] }>;
				for (const p of pages) {
					for (const r of p.rows) {
						if (!opts.filter(r)) continue;
						out.push(r);
						if (out.length >= limit) return done(out);
					}
				}
				if (pages.length < PEEK_PAGES) return done(out);
				next(pages[pages.length - 1].pid);
			};
			req.onerror = () => done(null);
		};
		next(null);
	});
}

/**
 * The first screenful from IndexedDB, then the live query — what every list screen does on open:
 * `peek` reads a few rows without Dexie (usually `peekRows`) and hands them to `first`; `live` (a
 * dynamic import of a Dexie module that subscribes) starts once the peek is over, since IndexedDB
 * would otherwise serve the live query's big read first — so `first` (only called with rows, never
 * after stop) always comes before the live query's first answer. A null `peek` starts the live
 * query at once. A failure of `live` (its import, its subscription) goes to `error`. Returns the
 * stop function, for an `$effect`.
 */
export function peekThenLive<T>(opts: {
	peek: (() => Promise<T[] | null>) | null;
	first: (rows: T[]) => void;
	live: () => Promise<() => void>;
	error: (e: unknown) => void;
}): () => void {
	let stopped = false;
	let stop: (() => void) | undefined;
	const startLive = () => {
		if (stopped) return;
		opts.live().then(
			(s) => {
				if (stopped) s();
				else stop = s;
			},
			(e) => {
				if (!stopped) opts.error(e);
			}
		);
	};
	if (!opts.peek) startLive();
	else
		opts
			.peek()
			.catch(() => null)
			.then((rows) => {
				if (!stopped && rows?.length) opts.first(rows);
			})
			.catch(() => {})
			.finally(startLive);
	return () => {
		stopped = true;
		stop?.();
	};
}
