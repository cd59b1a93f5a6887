// Offline KB search over the articles this browser holds (the kb_articles shape: End Users get
// published public articles only; staff also drafts and internal ones). One index per page
// session, built from Dexie on the first search and kept current by a liveQuery on the table:
// only articles whose updated_at/version changed are re-indexed. Used by /kb, the portal's
// new-ticket suggestions and the AI widget (offline).
import { liveQuery, type Subscription } from 'dexie';
import { getDb, type OutpostDb } from './db';
import { KbIndex, type KbDoc, type KbHit } from './kb-index-core';

export type { KbHit } from './kb-index-core';

export interface LocalKbOptions {
	limit?: number;
	/** Also drafts, articles in review and archived ones (staff screens); default: published only. */
	all?: boolean;
}

type RowLike = Record<string, unknown>;

export function toDoc(r: RowLike): KbDoc | null {
	if (r.deleted_at || typeof r.id !== 'string') return null;
	return {
		id: r.id,
		slug: String(r.slug ?? ''),
		title: String(r.title ?? ''),
		summary: typeof r.summary === 'string' ? r.summary : null,
		body: String(r.body ?? ''),
		tags: Array.isArray(r.tags) ? r.tags.map(String) : [],
		status: String(r.status ?? ''),
		audience: String(r.audience ?? ''),
		stamp: `${r.updated_at ?? ''}|${r.version ?? ''}`
	};
}

/** Brings `index` in line with the rows: adds/re-indexes changed ones, drops those gone. */
export function syncIndex(index: KbIndex, rows: readonly RowLike[]) {
	const seen = new Set<string>();
	for (const r of rows) {
		const d = toDoc(r);
		if (!d) continue;
		seen.add(d.id);
		if (!index.has(d.id, d.stamp)) index.add(d);
	}
	for (const id of index.ids()) if (!seen.has(id)) index.remove(id);
}

interface Live {
	db: OutpostDb;
	index: KbIndex;
	ready: Promise<void>;
	sub: Subscription;
}
let live: Live | null = null;

function ensure(db: OutpostDb): Live {
	if (live && live.db === db) return live;
	live?.sub.unsubscribe();
	const index = new KbIndex();
	let resolve!: () => void;
	const ready = new Promise<void>((r) => (resolve = r));
	const sub = liveQuery(() => db.kb_articles.toArray()).subscribe({
		next: (rows) => {
			syncIndex(index, rows as RowLike[]);
			resolve();
		},
		error: () => resolve()
	});
	live = { db, index, ready, sub };
	return live;
}

/** Stops following the table (tests, sign-out). */
export function resetLocalKb() {
	live?.sub.unsubscribe();
	live = null;
}

/** The best local articles for `query`, best first (published ones unless `all`). */
export async function searchLocalKb(query: string, opts: LocalKbOptions & { db?: OutpostDb } = {}): Promise<Array<KbHit>> {
	const l = ensure(opts.db ?? getDb());
	await l.ready;
	return l.index.search(query, { limit: opts.limit ?? 10, filter: opts.all ? undefined : (d) => d.status === 'published' });
}
