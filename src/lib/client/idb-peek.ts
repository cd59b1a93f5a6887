// A first screenful straight from IndexedDB, without Dexie: a few dozen rows read through one
// index with the browser's own API (a few hundred bytes of code), so a list screen can paint its
// first rows while Dexie (≈ 31 KB gzip) is still loading for the live, full list. Read-only; it
// never creates the database (no local data yet → null) and steps aside if Dexie upgrades it.
import { DEFAULT_DB_NAME } from './db-name';

export interface PeekOptions<T> {
	/** An index of the store, or null for the primary key. */
	index: string | null;
	range?: IDBKeyRange | null;
	direction?: IDBCursorDirection;
	/** Rows to return at most. */
	limit: number;
	/** Entries to look at at most (keeps a sparse match from walking a whole table). */
	maxScan?: number;
	filter?: (row: T) => boolean;
	dbName?: string;
}

/** Up to `limit` matching rows in index order; null when the database, store or index is not there. */
export function peekRows<T = Record<string, unknown>>(store: string, opts: PeekOptions<T>): Promise<T[] | null> {
	if (typeof indexedDB === 'undefined') return Promise.resolve(null);
	return new Promise((resolve) => {
		let req: IDBOpenDBRequest;
		try {
			req = indexedDB.open(opts.dbName ?? DEFAULT_DB_NAME);
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
			const done = (rows: T[] | null) => {
				db.close();
				resolve(rows);
			};
			try {
				if (!db.objectStoreNames.contains(store)) return done(null);
				const os = db.transaction(store, 'readonly').objectStore(store);
				if (opts.index && !os.indexNames.contains(opts.index)) return done(null);
				const source = opts.index ? os.index(opts.index) : os;
				const out: T[] = [];
				let scanned = 0;
				const maxScan = opts.maxScan ?? Infinity;
				const cursor = source.openCursor(opts.range ?? null, opts.direction ?? 'next');
				cursor.onsuccess = () => {
					const c = cursor.result;
					if (!c || out.length >= opts.limit || scanned >= maxScan) return done(out);
					scanned++;
					const row = c.value as T;
					if (!opts.filter || opts.filter(row)) out.push(row);
					c.continue();
				};
				cursor.onerror = () => done(null);
			} catch {
				done(null);
			}
		};
	});
}
