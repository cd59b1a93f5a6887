// Offline knowledge-base search over the articles synced into this browser (Dexie kb_articles):
// published, not deleted (the shape already limits the audience to what this user may read).
// A plain token-overlap ranking: words of the query in the title count most, then tags, then
// summary and body; more of the query's words matched ranks higher.
import { getDb } from './db';
import { terms, type KbLike } from './portal/suggest';

export interface LocalKbHit {
	id: string;
	slug: string;
	title: string;
	summary: string | null;
	score: number;
}

export function rankKb(articles: readonly KbLike[], query: string, limit = 5): LocalKbHit[] {
	const q = terms(query);
	if (!q.length) return [];
	const out: LocalKbHit[] = [];
	for (const a of articles) {
		if (a.status !== 'published' || a.deleted_at) continue;
		const title = new Set(terms(String(a.title ?? '')));
		const tags = new Set((Array.isArray(a.tags) ? a.tags : []).flatMap((x) => terms(String(x))));
		const rest = new Set(terms(`${a.summary ?? ''} ${a.body ?? ''}`));
		let score = 0;
		let matched = 0;
		for (const w of q) {
			const hit = (set: Set<string>) => set.has(w) || (w.length >= 5 && [...set].some((x) => x.startsWith(w.slice(0, -1))));
			const s = (hit(title) ? 3 : 0) + (hit(tags) ? 2 : 0) + (hit(rest) ? 1 : 0);
			if (s) matched++;
			score += s;
		}
		if (score > 0) out.push({ id: a.id, slug: String(a.slug ?? a.id), title: String(a.title ?? ''), summary: a.summary ? String(a.summary) : null, score: (score * (matched / q.length + 1)) / (6 * q.length) });
	}
	out.sort((x, y) => y.score - x.score || x.title.localeCompare(y.title));
	return out.slice(0, limit);
}

export async function searchLocalKb(query: string, opts?: { limit?: number }): Promise<Array<{ id: string; slug: string; title: string; summary: string | null; score: number }>> {
	const rows = (await getDb().kb_articles.where('status').equals('published').toArray()) as KbLike[];
	return rankKb(rows, query, opts?.limit ?? 5);
}
