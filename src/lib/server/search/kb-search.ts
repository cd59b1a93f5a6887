// Knowledge-base search: keyword (PostgreSQL full text, title over summary over body), semantic
// (pgvector cosine over the active model's chunk vectors, HNSW) and hybrid (both lists fused by
// reciprocal rank, k = 60). The one entry point for the REST route, the portal and the AI
// assistant's search_knowledge_base tool; the caller says what the reader may see.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../db/schema';
import { can, type Actor } from '$lib/domain/auth/permissions';
import { AppError } from '$lib/domain/common/errors';
import { queryWords } from '$lib/domain/search/text';
import { reciprocalRankFusion, RRF_K } from '$lib/domain/search/fusion';
import type { SearchMode } from '$lib/domain/search/schemas';
import { vectorLiteral, type Embedder } from './embedder';
import { activeEmbedder, searchKeyRing } from './provider';
import { searchRepo, type KeywordQuery, type RankedId, type Visibility } from './repository';
import { log } from '../log';

export interface KbSearchOptions {
  query: string;
  mode: SearchMode;
  limit: number;
  /** 'public': End Users, Requesters, the portal; 'all': staff with kb.read.internal. */
  audience: 'public' | 'all';
  /** Drafts, reviews and archived articles too (authors/reviewers only; default false). */
  includeUnpublished?: boolean;
  /** The embedder for the query; default: the active provider's. */
  embedder?: Embedder;
  /** Also return the first this many characters of each article's body (default none). */
  bodyChars?: number;
}

export interface KbSearchHit {
  id: string;
  slug: string;
  title: string;
  summary: string | null;
  /** hybrid: the fused RRF score; keyword: ts_rank_cd; semantic: cosine similarity. */
  score: number;
  /** Passages of the body around the query's words (`**` marks them). */
  highlights?: string[];
  /** The body's beginning, when `bodyChars` asked for it. */
  body?: string;
}

export interface KbSearchDetail {
  items: KbSearchHit[];
  mode: SearchMode;
  /** The embedding model used for the semantic part (null: keyword only). */
  model: string | null;
  /** Set when the semantic part failed and hybrid fell back to keyword results. */
  degraded?: string;
}

/**
 * HNSW candidate list size. pgvector's default is 40; 100 keeps recall@10 of the index at the
 * exact scan's level on our vectors (tests/bench/kb-search.mjs measures it) for about a
 * millisecond more. It also bounds how many chunks one scan returns, so it is at least the
 * number of chunks asked for.
 */
export const EF_SEARCH = 100;

/** What an actor may see in search: staff with kb.read.internal everything published, authors drafts too. */
export function searchVisibilityFor(actor: Actor | null, wantUnpublished = false): Visibility {
  const audience = actor && can(actor, 'kb.read.internal') ? 'all' : 'public';
  if (wantUnpublished && !(actor && can(actor, 'kb.write'))) throw new AppError('forbidden', 'includeUnpublished: only knowledge-base authors may search drafts', { fields: [{ field: 'includeUnpublished', message: 'needs the kb.write permission' }] });
  return { audience, includeUnpublished: wantUnpublished };
}

/** Matches ranked per tier; at most this many per tier (see searchRepo.keyword). */
export const KEYWORD_CAP = 1000;

/**
 * Keyword candidates in tiers, each asked only while fewer than k were found: every word in the
 * title or summary; every term anywhere (the query as typed, web-search syntax); any word in the
 * title or summary; any word anywhere. Natural questions rarely have every word in one article,
 * and the selective tiers first keep ranking cheap. Score: tier first, then ts_rank_cd.
 */
async function keywordTiers(db: Kysely<DB>, query: string, words: string[], v: Visibility, k: number): Promise<RankedId[]> {
  const out: RankedId[] = [];
  const tiers: KeywordQuery[] = [];
  // Quotes, "-word" or "or": the person wrote a query; only the query as written answers it.
  if (/"|(^|\s)-\S|\sor\s/i.test(query)) words = [];
  if (words.length) tiers.push({ kind: 'tsquery', text: words.map((w) => `${w}:AB`).join(' & ') });
  tiers.push({ kind: 'websearch', text: query });
  if (words.length > 1) tiers.push({ kind: 'tsquery', text: words.map((w) => `${w}:AB`).join(' | ') }, { kind: 'tsquery', text: words.join(' | ') });
  for (let t = 0; t < tiers.length && out.length < k; t++) {
    const found = await searchRepo.keyword(db, tiers[t], v, out.map((x) => x.id), k - out.length, KEYWORD_CAP);
    for (const x of found) out.push({ id: x.id, score: tiers.length - t + x.score / (1 + x.score) });
  }
  return out;
}

export async function searchKb(db: Kysely<DB>, opts: KbSearchOptions): Promise<KbSearchHit[]> {
  return (await searchKbDetailed(db, opts)).items;
}

export async function searchKbDetailed(db: Kysely<DB>, opts: KbSearchOptions): Promise<KbSearchDetail> {
  const query = opts.query.trim().slice(0, 500);
  const limit = Math.max(1, Math.min(50, Math.floor(opts.limit) || 10));
  const v: Visibility = { audience: opts.audience, includeUnpublished: !!opts.includeUnpublished };
  const words = queryWords(query);
  if (!query) return { items: [], mode: opts.mode, model: null };
  // Each list offers more candidates than the page: fusion promotes items ranked well in both.
  const k = opts.mode === 'hybrid' ? Math.max(limit * 3, 30) : limit;

  let vector: string | null = null;
  let model: string | null = null;
  let degraded: string | undefined;
  if (opts.mode !== 'keyword') {
    try {
      const embedder = opts.embedder ?? (await activeEmbedder(db, searchKeyRing(), 'query'));
      model = embedder.id;
      const [qv] = await embedder.embed([query]);
      // Only stop words: the zero vector has no direction (cosine distance NaN), so no semantic part.
      if (qv.some((x) => x !== 0)) vector = vectorLiteral(qv);
    } catch (e) {
      if (opts.mode === 'semantic') throw new AppError('unavailable', `Semantic search is unavailable: ${(e as Error).message}`);
      degraded = `semantic part skipped: ${(e as Error).message}`;
      log.warn('kb search: query embedding failed, keyword results only', { error: (e as Error).message });
      model = null;
    }
  }

  const lists = await db.transaction().execute(async (trx) => {
    let keyword: RankedId[] = [];
    let semantic: RankedId[] = [];
    if (opts.mode !== 'semantic') keyword = await keywordTiers(trx, query, words, v, k);
    if (vector && model) {
      await sql`select set_config('hnsw.ef_search', ${String(Math.max(EF_SEARCH, k * 2))}, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)`.execute(trx);
      semantic = await searchRepo.nearest(trx, vector, model, v, k * 2, k);
    }
    return { keyword, semantic };
  });

  let ranked: RankedId[];
  if (opts.mode === 'keyword') ranked = lists.keyword;
  else if (opts.mode === 'semantic') ranked = lists.semantic;
  else ranked = reciprocalRankFusion([lists.keyword, lists.semantic], RRF_K).map((f) => ({ id: f.id, score: f.score }));
  ranked = ranked.slice(0, limit);

  const rows = new Map((await searchRepo.hits(db, ranked.map((r) => r.id), words, opts.bodyChars ?? 0)).map((r) => [r.id, r]));
  const items: KbSearchHit[] = [];
  for (const r of ranked) {
    const row = rows.get(r.id);
    if (!row) continue; // deleted between the two reads
    const hit: KbSearchHit = { id: row.id, slug: row.slug, title: row.title, summary: row.summary, score: Math.round(r.score * 1e6) / 1e6 };
    const hl = row.headline?.split(' … ').map((s) => s.trim()).filter(Boolean);
    if (hl?.length) hit.highlights = hl;
    if (row.body !== null) hit.body = row.body;
    items.push(hit);
  }
  return { items, mode: opts.mode, model: opts.mode === 'keyword' ? null : model, ...(degraded ? { degraded } : {}) };
}
