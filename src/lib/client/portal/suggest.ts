// Knowledge-base suggestions while someone describes a problem: a plain lexical match over the
// articles already in this browser (published, public). Words of the query found in the title
// count most, then tags, then summary/body. Pure (unit tested); the form debounces calls.

export interface KbLike {
	id: string;
	slug?: unknown;
	title?: unknown;
	summary?: unknown;
	body?: unknown;
	tags?: unknown;
	status?: unknown;
	audience?: unknown;
	deleted_at?: unknown;
	updated_at?: unknown;
}

const STOP = new Set(['the', 'and', 'for', 'with', 'not', 'can', 'cant', 'does', 'doesnt', 'dont', 'from', 'this', 'that', 'have', 'has', 'are', 'was', 'but', 'when', 'why', 'how', 'what', 'my', 'our', 'your', 'its', 'any', 'all', 'into', 'out', 'again']);

/** Lowercase words of 3+ letters, accents folded, stop words dropped. */
export function terms(text: string): string[] {
	const words = text
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.split(/[^\p{L}\p{N}]+/u)
		.filter((w) => w.length >= 3 && !STOP.has(w));
	return [...new Set(words)];
}

export function isPublicArticle(a: KbLike): boolean {
	return a.status === 'published' && a.audience === 'public' && !a.deleted_at;
}

/** The best `limit` public articles for this text, best first; none for fewer than one term. */
export function suggest<T extends KbLike>(articles: readonly T[], text: string, limit = 3): T[] {
	const q = terms(text);
	if (!q.length) return [];
	const scored: Array<{ a: T; score: number }> = [];
	for (const a of articles) {
		if (!isPublicArticle(a)) continue;
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
		if (score > 0) scored.push({ a, score: score * (matched / q.length + 1) });
	}
	scored.sort((x, y) => y.score - x.score || String(x.a.title ?? '').localeCompare(String(y.a.title ?? '')));
	return scored.slice(0, limit).map((x) => x.a);
}
