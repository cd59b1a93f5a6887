// The browser's offline KB search: an inverted index over the articles in Dexie, ranked with
// BM25F (title weighted over tags, summary and body), simple English stemming and stop words, and
// prefix matching of the word being typed. Pure (no Dexie): kb-index.ts keeps one current with the
// synced kb_articles table. Built for the few thousand articles a device holds; an update
// re-indexes only the articles that changed.

const STOP = new Set(
	'a an and are as at be been but by can cant could did do does doesnt dont for from had has have how i if in into is isnt it its just me my no not of on or our so than that the their them then there these they this to too was wasnt we were what when where which while who why will with wont would you your yours'.split(
		' '
	)
);

/** Lowercase ASCII-folded words (letters and digits). */
export function words(text: string): string[] {
	return (
		text
			.normalize('NFKD')
			.replace(/[\u0300-\u036f]/g, '')
			.toLowerCase()
			.replace(/['’]/g, '')
			.match(/[\p{L}\p{N}]+/gu) ?? []
	);
}

const VOWEL = /[aeiouy]/;
const undouble = (w: string) => (/([^aeiouslz])\1$/.test(w) ? w.slice(0, -1) : w);

/**
 * A light English stemmer (a subset of Porter's step 1 plus common derivational endings): enough
 * that "passwords", "printing" / "printed" and "connection" meet "password", "print", "connect".
 * The same function runs on articles and queries, so it only has to be consistent.
 */
export function stem(w: string): string {
	let s = STEMS.get(w);
	if (s === undefined) {
		s = stemWord(w);
		if (STEMS.size > 100_000) STEMS.clear();
		STEMS.set(w, s);
	}
	return s;
}
/** Words repeat: stems are remembered (bounded). */
const STEMS = new Map<string, string>();

function stemWord(w: string): string {
	if (w.length <= 3 || /\d/.test(w)) return w;
	let s = w;
	if (s.endsWith('sses')) s = s.slice(0, -2);
	else if (s.endsWith('ies') && s.length > 4) s = `${s.slice(0, -3)}y`;
	else if (/(ch|sh|x|z)es$/.test(s)) s = s.slice(0, -2);
	else if (s.endsWith('s') && !/(ss|us|is)$/.test(s)) s = s.slice(0, -1);
	if (s.endsWith('eed')) {
		/* agreed, speed: keep */
	} else if (/ing$/.test(s) && s.length > 5 && VOWEL.test(s.slice(0, -3))) s = undouble(s.slice(0, -3));
	else if (/ed$/.test(s) && s.length > 4 && VOWEL.test(s.slice(0, -2))) s = undouble(s.slice(0, -2));
	for (const [suffix, repl] of [
		['ational', 'ate'],
		['ization', 'ize'],
		['ations', 'ate'],
		['ation', 'ate'],
		['ments', ''],
		['ment', ''],
		['ness', ''],
		['ions', ''],
		['ion', ''],
		['ly', '']
	] as const) {
		if (s.endsWith(suffix) && s.length - suffix.length >= 4) {
			s = s.slice(0, -suffix.length) + repl;
			break;
		}
	}
	if (s.endsWith('e') && s.length > 4) s = s.slice(0, -1);
	return s;
}

/** Index terms of a text: words, stop words dropped, stemmed. */
export function terms(text: string): string[] {
	return words(text)
		.filter((w) => !STOP.has(w))
		.map(stem);
}

export interface KbDoc {
	id: string;
	slug: string;
	title: string;
	summary: string | null;
	body: string;
	tags: string[];
	status?: string;
	audience?: string;
	/** Anything that changes when the article does (updated_at, version). */
	stamp?: string;
}

export interface KbHit {
	id: string;
	slug: string;
	title: string;
	summary: string | null;
	score: number;
}

// Fields: title, tags, summary, body.
const FIELDS = 4;
const WEIGHT = [4, 2.5, 1.5, 1];
const B = [0.5, 0.3, 0.6, 0.75];
const K1 = 1.2;
/** A word being typed matches longer terms, a little below a whole-word match. */
const PREFIX_FACTOR = 0.7;
const MAX_EXPANSIONS = 40;

interface Entry {
	doc: KbDoc;
	len: Float64Array;
	terms: string[];
}

// Term frequencies of the four fields packed in one number (10 bits each, capped at 1023): one
// number per (term, article) instead of an array keeps the index small and quick to build.
const SHIFT = [1, 1024, 1024 ** 2, 1024 ** 3];
const field = (packed: number, f: number) => Math.floor(packed / SHIFT[f]) % 1024;

export class KbIndex {
	readonly #docs = new Map<string, Entry>();
	/** term → (article → its packed term frequencies per field). */
	readonly #postings = new Map<string, Map<string, number>>();
	readonly #totLen = new Float64Array(FIELDS);
	#sorted: string[] | null = null;

	get size() {
		return this.#docs.size;
	}

	has(id: string, stamp?: string) {
		const e = this.#docs.get(id);
		return !!e && e.doc.stamp === stamp;
	}

	ids() {
		return [...this.#docs.keys()];
	}

	add(doc: KbDoc) {
		this.remove(doc.id);
		const fields = [doc.title, doc.tags.join(' '), doc.summary ?? '', stripMarkdown(doc.body)];
		const len = new Float64Array(FIELDS);
		const tf = new Map<string, number>();
		fields.forEach((text, f) => {
			const ts = terms(text);
			len[f] = ts.length;
			for (const t of ts) {
				const v = tf.get(t) ?? 0;
				if (field(v, f) < 1023) tf.set(t, v + SHIFT[f]);
			}
		});
		for (let f = 0; f < FIELDS; f++) this.#totLen[f] += len[f];
		for (const [t, v] of tf) {
			let p = this.#postings.get(t);
			if (!p) {
				this.#postings.set(t, (p = new Map()));
				this.#sorted = null;
			}
			p.set(doc.id, v);
		}
		this.#docs.set(doc.id, { doc, len, terms: [...tf.keys()] });
	}

	remove(id: string) {
		const e = this.#docs.get(id);
		if (!e) return;
		for (let f = 0; f < FIELDS; f++) this.#totLen[f] -= e.len[f];
		for (const t of e.terms) {
			const p = this.#postings.get(t);
			p?.delete(id);
			if (p && !p.size) {
				this.#postings.delete(t);
				this.#sorted = null;
			}
		}
		this.#docs.delete(id);
	}

	/** Index terms starting with `prefix`, at most MAX_EXPANSIONS, shortest first. */
	#expand(prefix: string): string[] {
		this.#sorted ??= [...this.#postings.keys()].sort();
		const arr = this.#sorted;
		let lo = 0;
		let hi = arr.length;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (arr[mid] < prefix) lo = mid + 1;
			else hi = mid;
		}
		const out: string[] = [];
		for (let i = lo; i < arr.length && arr[i].startsWith(prefix); i++) out.push(arr[i]);
		return out.sort((a, b) => a.length - b.length).slice(0, MAX_EXPANSIONS);
	}

	/**
	 * The best matches, best first. Each query word is a group of alternatives (its stem, and
	 * for the word still being typed every index term it begins); a document's score is the sum
	 * over groups of its best BM25F term score, times the share of groups it matched.
	 */
	search(query: string, opts: { limit?: number; filter?: (d: KbDoc) => boolean } = {}): KbHit[] {
		const limit = opts.limit ?? 10;
		const typing = !/\s$/.test(query);
		const ws = words(query);
		const groups: Array<Array<{ term: string; factor: number }>> = [];
		ws.forEach((w, i) => {
			const last = i === ws.length - 1 && typing;
			if (STOP.has(w) && !last) return;
			const alts = new Map<string, number>();
			if (!STOP.has(w)) alts.set(stem(w), 1);
			if (last && w.length >= 2) for (const t of this.#expand(w)) if (!alts.has(t)) alts.set(t, PREFIX_FACTOR);
			if (alts.size) groups.push([...alts].map(([term, factor]) => ({ term, factor })));
		});
		if (!groups.length || !this.#docs.size) return [];
		const n = this.#docs.size;
		const avg = Array.from(this.#totLen, (t) => Math.max(t / n, 1));
		// Per-article field weights divided by the length normalisation, computed once per query.
		const norms = new Map<string, Float64Array>();
		const normOf = (id: string) => {
			let v = norms.get(id);
			if (!v) {
				const len = this.#docs.get(id)!.len;
				v = new Float64Array(FIELDS);
				for (let f = 0; f < FIELDS; f++) v[f] = WEIGHT[f] / (1 - B[f] + (B[f] * len[f]) / avg[f]);
				norms.set(id, v);
			}
			return v;
		};
		const scores = new Map<string, { sum: number; matched: number }>();
		for (const group of groups) {
			const best = new Map<string, number>();
			for (const { term, factor } of group) {
				const post = this.#postings.get(term);
				if (!post) continue;
				const idf = factor * Math.log(1 + (n - post.size + 0.5) / (post.size + 0.5));
				for (const [id, tf] of post) {
					const w = normOf(id);
					const wtf = w[0] * field(tf, 0) + w[1] * field(tf, 1) + w[2] * field(tf, 2) + w[3] * field(tf, 3);
					const s = idf * ((wtf * (K1 + 1)) / (wtf + K1));
					if (s > (best.get(id) ?? 0)) best.set(id, s);
				}
			}
			for (const [id, s] of best) {
				const cur = scores.get(id) ?? { sum: 0, matched: 0 };
				cur.sum += s;
				cur.matched++;
				scores.set(id, cur);
			}
		}
		const hits: KbHit[] = [];
		for (const [id, { sum, matched }] of scores) {
			const { doc } = this.#docs.get(id)!;
			if (opts.filter && !opts.filter(doc)) continue;
			const coverage = matched / groups.length;
			hits.push({ id, slug: doc.slug, title: doc.title, summary: doc.summary, score: Math.round(sum * coverage * coverage * 1000) / 1000 });
		}
		hits.sort((a, b) => b.score - a.score || a.title.localeCompare(b.title));
		return hits.slice(0, limit);
	}
}

/** Markdown syntax out of the way of the words (links keep their text, code keeps its words). */
export function stripMarkdown(md: string): string {
	return md
		.replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
		.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
		.replace(/<[^>]+>/g, ' ')
		.replace(/[#>*_`~|]+/g, ' ');
}
