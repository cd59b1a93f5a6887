// Knowledge-base search: keyword (PostgreSQL full text, title over summary over body), semantic
// (pgvector cosine over the active model's chunk vectors, HNSW) and hybrid (both lists fused by
// reciprocal rank, k = 60). The one entry point for the REST route, the portal and the AI
// assistant's search_knowledge_base tool; the caller says what the reader may see. A search is
// one SQL statement (searchRepo.search): one round trip, no transaction; a query with words not
// seen for a while first counts their articles (rare-words.ts, one more statement).
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { can, type Actor } from '$lib/domain/auth/permissions';
import { AppError } from '$lib/domain/common/errors';
import { queryWords } from '$lib/domain/search/text';
import type { SearchMode } from '$lib/domain/search/schemas';
import { vectorLiteral, type Embedder } from './embedder';
import { activeEmbedder, searchKeyRing } from './provider';
import { searchRepo, type KeywordQuery, type Visibility } from './repository';
import { rareWords } from './rare-words';
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
 * HNSW candidate list size (hnsw.ef_search), set once per database connection
 * (db/connection.ts) rather than per search. pgvector's default is 40. Recall@10 of the index
 * against an exact scan, 100 000 near-duplicate articles of tests/bench/kb-search.mjs: with
 * migration 0018's graph (m 16, ef_construction 800) 0.93 at 200, 0.955 at 300, 0.97 at 400
 * (0016's m 32 / ef_construction 200 gave 0.81–0.85 at 200); on the bench's varied articles
 * the index alone gives 0.86–0.88 at 300, 0.89–0.92 at 500, 0.92–0.94 at 800 (a query naming
 * one product finds chunks of many topics, which the graph links poorly: 0.74 at 300 for those
 * queries). With the chunks of the articles holding a rare query word re-ranked beside the
 * index's (repository.ts nearestChunks, rare-words.ts): 0.953 at 300, product queries 0.96.
 * The bench prints the vector query's time at each value. With hnsw.iterative_scan =
 * relaxed_order (also per connection) a scan that needs more chunks than this (a hybrid page of
 * 50) keeps reading the graph instead of stopping short.
 */
export { EF_SEARCH } from '../db/connection';

/** What an actor may see in search: staff with kb.read.internal everything published, authors drafts too. */
export function searchVisibilityFor(actor: Actor | null, wantUnpublished = false): Visibility {
  const audience = actor && can(actor, 'kb.read.internal') ? 'all' : 'public';
  if (wantUnpublished && !(actor && can(actor, 'kb.write'))) throw new AppError('forbidden', 'includeUnpublished: only knowledge-base authors may search drafts', { fields: [{ field: 'includeUnpublished', message: 'needs the kb.write permission' }] });
  return { audience, includeUnpublished: wantUnpublished };
}

/**
 * Matches ranked per keyword tier (see searchRepo.search). Ranking reads each matching row
 * from the heap (its search_vector for ts_rank_cd), so this bounds the cost of a tier whose
 * words are common: when more articles match, an arbitrary (physical-order) 200 of them are
 * ranked, and the tier's best k come from those. 1000 cost about 5 ms of a hybrid search at
 * 100 000 articles; the vector list and the fusion pick up what the sample misses.
 */
export const KEYWORD_CAP = 200;

/**
 * Keyword candidates in tiers, each asked only while fewer than k were found: every word in the
 * title or summary; every term anywhere (the query as typed, web-search syntax); any word in the
 * title or summary; any word anywhere. Natural questions rarely have every word in one article,
 * and the selective tiers first keep ranking cheap. Score: tier first, then ts_rank_cd.
 */
function keywordTiers(query: string, words: string[]): KeywordQuery[] {
  const tiers: KeywordQuery[] = [];
  // Quotes, "-word" or "or": the person wrote a query; only the query as written answers it.
  if (/"|(^|\s)-\S|\sor\s/i.test(query)) words = [];
  // Title-or-summary tiers match through title_vector (exact in its index), rank with :AB.
  if (words.length) tiers.push({ kind: 'tsquery', text: words.map((w) => `${w}:AB`).join(' & '), titleText: words.join(' & ') });
  tiers.push({ kind: 'websearch', text: query });
  if (words.length > 1) tiers.push({ kind: 'tsquery', text: words.map((w) => `${w}:AB`).join(' | '), titleText: words.join(' | ') }, { kind: 'tsquery', text: words.join(' | ') });
  return tiers;
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

  // Rare query words bring their articles' chunks to the nearest chunks (repository.ts nearestChunks).
  const rare = vector ? await rareWords(db, words) : [];
  // One statement: keyword tiers, nearest chunks, fusion and the page's hits (searchRepo.search).
  const tiers = opts.mode !== 'semantic' ? keywordTiers(query, words) : null;
  const rows = await searchRepo.search(db, {
    mode: opts.mode,
    tiers,
    vector: vector && model ? vector : null,
    model,
    v,
    k,
    chunks: k * 2,
    cap: KEYWORD_CAP,
    limit,
    words,
    rareWords: rare,
    bodyChars: opts.bodyChars ?? 0
  });
  const nTiers = tiers?.length ?? 0;
  const items: KbSearchHit[] = [];
  for (const row of rows) {
    const score =
      opts.mode === 'hybrid' ? Number(row.fused) : opts.mode === 'keyword' ? nTiers - Number(row.tier) + Number(row.rank) / (1 + Number(row.rank)) : 1 - Number(row.distance);
    const hit: KbSearchHit = { id: row.id, slug: row.slug, title: row.title, summary: row.summary, score: Math.round(score * 1e6) / 1e6 };
    const hl = row.headline?.split(' … ').map((s) => s.trim()).filter(Boolean);
    if (hl?.length) hit.highlights = hl;
    if (row.body !== null) hit.body = row.body;
    items.push(hit);
  }
  return { items, mode: opts.mode, model: opts.mode === 'keyword' ? null : model, ...(degraded ? { degraded } : {}) };
}

/**
 * Search as a reader: who the actor is decides what they may see (searchVisibilityFor), then
 * searchKbDetailed. The REST route (GET /api/v1/kb/search) is a thin adapter over this.
 */
export class KbSearchService {
  constructor(private readonly db: Kysely<DB>) {}

  async search(actor: Actor | null, q: { q: string; mode: SearchMode; limit: number; includeUnpublished?: boolean }) {
    const v = searchVisibilityFor(actor, q.includeUnpublished ?? false);
    const r = await searchKbDetailed(this.db, { query: q.q, mode: q.mode, limit: q.limit, ...v });
    return { items: r.items, mode: r.mode, model: r.model };
  }
}
