// Queries of knowledge-base search and embedding (explicit columns, no rules).
import { sql, type Kysely, type RawBuilder, type Updateable } from 'kysely';
import { RRF_K } from '$lib/domain/search/fusion';
import type { DB } from '../db/schema';
import type { KbEmbeddingSettingsTable } from '../db/schema-search';

export interface Visibility {
  /** 'public': only articles whose audience is public; 'all': internal ones too. */
  audience: 'public' | 'all';
  /** Drafts, articles in review and archived ones too (authors and reviewers). */
  includeUnpublished: boolean;
}

const visible = (v: Visibility) =>
  sql.join(
    [sql`a.deleted_at is null`, v.includeUnpublished ? sql`true` : sql`a.status = 'published'`, v.audience === 'public' ? sql`a.audience = 'public'` : sql`true`],
    sql` and `
  );

/**
 * A web-search style query as typed (quotes, -, or), or a to_tsquery built from plain words.
 * `titleText`: the same question asked of title_vector (title and summary only, 0016) without
 * weight labels, which its GIN index answers exactly; `text` (with :AB) still ranks.
 */
export type KeywordQuery = { kind: 'websearch' | 'tsquery'; text: string; titleText?: string };

/** One search's parameters (see searchRepo.search). */
export interface SearchPlan {
  mode: 'keyword' | 'semantic' | 'hybrid';
  /** Keyword tiers in order (none: no keyword part). */
  tiers: KeywordQuery[] | null;
  /** The query vector as pgvector text (null: no vector part). */
  vector: string | null;
  model: string | null;
  v: Visibility;
  /** Candidates per list. */
  k: number;
  /** Nearest chunks read through the index (several may belong to one article). */
  chunks: number;
  /** At most this many matches ranked per keyword tier. */
  cap: number;
  /** Hits returned. */
  limit: number;
  /** Query words to highlight in the body. */
  words: string[];
  /** Query words rare enough that their articles' chunks join the nearest chunks (rare-words.ts). */
  rareWords: string[];
  bodyChars: number;
}

export interface SearchRow {
  id: string;
  slug: string;
  title: string;
  summary: string | null;
  body: string | null;
  headline: string | null;
  /** hybrid: the fused RRF score. */
  fused: number | null;
  /** Keyword tier (0 = the first) and ts_rank_cd, when the article is a keyword candidate. */
  tier: number | null;
  rank: number | null;
  /** Cosine distance of the best chunk, when the article is a vector candidate. */
  distance: number | null;
}

/**
 * The ordering of "nearest chunks", answered by the HNSW index (the planner uses it only for this
 * exact expression); tests/bench/kb-search.mjs measures its recall with the same expression.
 * Not an index over half-precision copies (embedding::halfvec): at 100 000 chunks it halved the
 * vector query's time with the same recall, but a small knowledge base is read by a sequential
 * scan, which then casts every row (2 000 chunks: 8.2 instead of 1.5 ms of PostgreSQL CPU).
 */
export const NEAREST_ORDER = (vector: string) => sql`e.embedding <=> cast(${vector} as vector(384))`;

/**
 * A query word in at most this many articles is rare (search/rare-words.ts): the chunks of all
 * its articles join the exact re-ranking of the nearest chunks (nearestChunks).
 */
export const RARE_WORD_ARTICLES = 300;
/** At most this many query words are considered (in query order). */
export const RARE_WORD_PROBES = 4;

/**
 * The `limit` nearest chunks of `model` to `vector` (id, article_id, distance by cosine, nearest
 * first): what the vector part of search reads, and what tests/bench/kb-search.mjs measures the
 * recall of against an exact scan of every chunk.
 *
 * Two candidate sources, re-ranked together by their exact distance:
 *  - the HNSW index (NEAREST_ORDER), `limit` chunks at the connection's hnsw.ef_search;
 *  - every chunk of the articles containing one of `rareWords` (query words in at most
 *    RARE_WORD_ARTICLES articles, rare-words.ts), through the GIN index on search_vector; a
 *    word found in more articles than that brings none (the probe reads at most cap + 1).
 * The second source is for what the graph finds badly. A query dominated by a rare word (a
 * product name, an error code) is far from every chunk, and its true neighbours are spread over
 * many topics the graph does not link to each other: HNSW at ef_search 300 found 0.74 of their
 * exact top 10 on the bench's varied articles. The local embedder is lexical (a chunk shares
 * features with a query only through shared words and letters), so those neighbours are chunks
 * containing the rare word, a set the text index lists exactly. Adding candidates ranked by the
 * same exact distance can only raise recall; with a neural provider the rare words' articles are
 * still only candidates, ranked by its vectors.
 */
export function nearestChunks(p: { vector: string; model: string; limit: number; rareWords: string[]; cap?: number }) {
  const cap = p.cap ?? RARE_WORD_ARTICLES;
  const q = sql`cast(${p.vector} as vector(384))`;
  const hnsw = sql`select e.id, e.article_id, e.embedding <=> ${q} as distance
          from kb_embeddings e
          where e.model = ${p.model}
          order by ${NEAREST_ORDER(p.vector)}
          limit ${p.limit}`;
  const words = p.rareWords.filter((w) => /^[a-z0-9]+$/.test(w));
  if (!words.length) return hnsw;
  return sql`(${hnsw})
        union
        (select e.id, e.article_id, e.embedding <=> ${q} as distance
          from kb_embeddings e
          where e.model = ${p.model} and e.article_id in (
            select unnest(r.ids)
            from unnest(cast(${words} as text[])) w,
              lateral (
                select array_agg(x.id) as ids
                from (select a.id from kb_articles a where a.search_vector @@ to_tsquery('english', w) limit ${cap + 1}) x
                having count(*) <= ${cap}
              ) r))
        order by distance
        limit ${p.limit}`;
}

/** RRF's k (domain/search/fusion.ts), as a SQL literal. */
const RRF_K_SQL = sql.lit(RRF_K);

export const searchRepo = {
  // ─── search ───────────────────────────────────────────────────────────────────────────────
  /**
   * One search in one statement (one round trip, no transaction): the keyword candidates, the
   * vector candidates, their fusion and the page's hits with highlights (and body text when
   * asked) are CTEs of a single query. See kb-search.ts for what each part means.
   *
   * Keyword tiers: tier t ranks at most `cap` of its matches with ts_rank_cd over the weighted
   * vector (title A over summary B over body C) and keeps its best `k`, excluding the articles of
   * earlier tiers; a tier is only scanned while the earlier ones found fewer than `k` (a
   * one-time filter: PostgreSQL skips the scan when it is false). The list is tier first, then
   * rank, then id; its first `k` are the keyword candidates.
   *
   * Vector: the `chunks` nearest chunks of `model` through the HNSW index (NEAREST_ORDER; hnsw.ef_search and
   * hnsw.iterative_scan are set per connection, see db/connection.ts), best chunk per article,
   * the first `k` visible articles by distance.
   *
   * Fusion (hybrid): reciprocal rank, each list votes 1 / (RRF_K + rank), ties broken by the
   * best rank in either list, then the id: the same rule as domain/search/fusion.ts.
   */
  async search(db: Kysely<DB>, p: SearchPlan): Promise<SearchRow[]> {
    const { v, k } = p;
    const ctes: RawBuilder<unknown>[] = [];
    const tiers = p.tiers ?? [];
    tiers.forEach((q, t) => {
      const tsq = q.kind === 'websearch' ? sql`websearch_to_tsquery('english', ${q.text})` : sql`to_tsquery('english', ${q.text})`;
      const before = Array.from({ length: t }, (_, u) => sql.raw(`k${u}`));
      const gate = t ? sql`and (${sql.join(before.map((b) => sql`(select count(*) from ${b})`), sql` + `)}) < ${k} and a.id not in (${sql.join(before.map((b) => sql`select id from ${b}`), sql` union all `)})` : sql``;
      const match = q.titleText !== undefined ? sql`a.title_vector @@ to_tsquery('english', ${q.titleText})` : sql`a.search_vector @@ q`;
      ctes.push(sql`${sql.raw(`k${t}`)} as (
        select m.id, ts_rank_cd(m.search_vector, m.q, 1) as rank
        from (
          select a.id, a.search_vector, q
          from kb_articles a, ${tsq} q
          where ${match} and ${visible(v)} ${gate}
          limit ${p.cap}
        ) m
        order by rank desc, m.id
        limit ${k})`);
    });
    const kwUnion = tiers.length
      ? sql.join(tiers.map((_, t) => sql`select id, ${sql.raw(String(t))} as tier, rank from ${sql.raw(`k${t}`)}`), sql` union all `)
      : sql`select null::uuid as id, 0 as tier, 0::real as rank where false`;
    ctes.push(sql`kw as (
        select id, tier, rank, r from (select id, tier, rank, row_number() over (order by tier, rank desc, id) as r from (${kwUnion}) u) x
        where r <= ${k})`);
    ctes.push(
      p.vector
        ? sql`vec as (
        select c.article_id as id, min(c.distance) as distance, row_number() over (order by min(c.distance), c.article_id) as r
        from (${nearestChunks({ vector: p.vector, model: p.model ?? '', limit: p.chunks, rareWords: p.rareWords })}) c
        join kb_articles a on a.id = c.article_id
        where ${visible(v)}
        group by c.article_id
        order by distance, c.article_id
        limit ${k})`
        : sql`vec as (select null::uuid as id, 0::float8 as distance, 0::bigint as r where false)`
    );
    if (p.mode === 'hybrid')
      ctes.push(sql`f as (
        select id, sum(1::float8 / (${RRF_K_SQL} + r)) as fused, min(r) as best
        from (select id, r from kw union all select id, r from vec) u
        group by id
        order by fused desc, best, id
        limit ${p.limit})`);
    else
      ctes.push(sql`f as (select id, null::float8 as fused, r as best from ${sql.raw(p.mode === 'keyword' ? 'kw' : 'vec')} order by r limit ${p.limit})`);
    const q = p.words.length ? sql`to_tsquery('english', ${p.words.join(' | ')})` : sql`''::tsquery`;
    const r = await sql<SearchRow>`
      with ${sql.join(ctes, sql`, `)}
      select a.id, a.slug, a.title, a.summary,
        ${p.bodyChars > 0 ? sql`left(a.body, ${p.bodyChars})` : sql`null`} as body,
        ts_headline('english', left(a.body, 20000), ${q}, 'MaxFragments=2, MinWords=6, MaxWords=22, StartSel=**, StopSel=**, FragmentDelimiter=" … "') as headline,
        f.fused, kw.tier, kw.rank, vec.distance
      from f
      join kb_articles a on a.id = f.id
      left join kw on kw.id = f.id
      left join vec on vec.id = f.id
      order by ${p.mode === 'hybrid' ? sql`f.fused desc, f.best, f.id` : sql`f.best`}`.execute(db);
    return r.rows;
  },

  /**
   * Lexemes that PostgreSQL's statistics of kb_articles.search_vector (pg_stats
   * most_common_elems, kept by ANALYZE) put in more than `articles` articles: an estimate from
   * ANALYZE's sample, read from one statistics row.
   */
  async commonLexemes(db: Kysely<DB>, articles: number) {
    const r = await sql<{ lexeme: string }>`
      select x.lexeme
      from pg_stats s,
        lateral unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) as x(lexeme, f),
        lateral (select greatest(c.reltuples, 0) as n from pg_class c where c.oid = 'kb_articles'::regclass) rel
      where s.schemaname = current_schema() and s.tablename = 'kb_articles' and s.attname = 'search_vector'
        and x.lexeme is not null and x.f * rel.n > ${articles}`.execute(db);
    return r.rows.map((x) => x.lexeme);
  },
  /**
   * Articles containing each word (plain [a-z0-9] words), counted up to `upTo`; a word whose
   * lexeme is one of `common` is answered `upTo` without reading its matches (counting reads
   * `upTo` rows: a GIN index gives no count without visiting them).
   */
  async wordArticleCounts(db: Kysely<DB>, words: string[], upTo: number, common: string[]) {
    const r = await sql<{ w: string; n: number }>`
      select w, case
          when tsvector_to_array(to_tsvector('english', w)) && cast(${common} as text[]) then ${upTo}
          else (select count(*)::int from (select 1 from kb_articles a where a.search_vector @@ to_tsquery('english', w) limit ${upTo}) x)
        end as n
      from unnest(cast(${words} as text[])) w`.execute(db);
    return new Map(r.rows.map((x) => [x.w, x.n]));
  },

  // ─── embedding ────────────────────────────────────────────────────────────────────────────
  article(db: Kysely<DB>, id: string) {
    return db.selectFrom('kb_articles').select(['id', 'title', 'summary', 'body', 'version', 'deleted_at']).where('id', '=', id).executeTakeFirst();
  },
  chunkHashes(db: Kysely<DB>, articleId: string, model: string) {
    return db.selectFrom('kb_embeddings').select(['chunk_index', 'content_hash']).where('article_id', '=', articleId).where('model', '=', model).execute();
  },
  async upsertChunks(db: Kysely<DB>, rows: { article_id: string; article_version: number; chunk_index: number; content: string; content_hash: string; model: string; embedding: string }[]) {
    if (!rows.length) return;
    await db
      .insertInto('kb_embeddings')
      .values(rows.map((r) => ({ ...r, dimension: 384 })))
      .onConflict((oc) =>
        oc.columns(['article_id', 'model', 'chunk_index']).doUpdateSet((eb) => ({
          article_version: eb.ref('excluded.article_version'),
          content: eb.ref('excluded.content'),
          content_hash: eb.ref('excluded.content_hash'),
          embedding: eb.ref('excluded.embedding')
        }))
      )
      .execute();
  },
  /** Chunks past the article's current end, and every chunk of other models. */
  async deleteStale(db: Kysely<DB>, articleId: string, model: string, chunkCount: number) {
    const r = await db
      .deleteFrom('kb_embeddings')
      .where('article_id', '=', articleId)
      .where((eb) => eb.or([eb('model', '<>', model), eb('chunk_index', '>=', chunkCount)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  },
  async deleteArticle(db: Kysely<DB>, articleId: string) {
    const r = await db.deleteFrom('kb_embeddings').where('article_id', '=', articleId).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
  async deleteOtherModels(db: Kysely<DB>, model: string) {
    const r = await db.deleteFrom('kb_embeddings').where('model', '<>', model).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
  /** Live article ids after `after`, in id order (keyset paging for re-embed-all). */
  articleIds(db: Kysely<DB>, after: string | null, limit: number) {
    let q = db.selectFrom('kb_articles').select('id').where('deleted_at', 'is', null).orderBy('id').limit(limit);
    if (after) q = q.where('id', '>', after);
    return q.execute();
  },
  async counts(db: Kysely<DB>, model: string) {
    const r = await sql<{ articles: number; embedded: number }>`
      select (select count(*)::int from kb_articles where deleted_at is null) as articles,
             (select count(distinct article_id)::int from kb_embeddings where model = ${model}) as embedded`.execute(db);
    return r.rows[0];
  },

  // ─── provider settings and runs ───────────────────────────────────────────────────────────
  settings(db: Kysely<DB>) {
    return db
      .selectFrom('kb_embedding_settings')
      .select(['provider', 'base_url', 'model', 'dimension', 'send_dimensions', 'api_key_encrypted', 'active_model', 'updated_at'])
      .where('id', '=', true)
      .executeTakeFirstOrThrow();
  },
  settingsForUpdate(db: Kysely<DB>) {
    return db.selectFrom('kb_embedding_settings').select(['provider', 'base_url', 'model', 'dimension', 'send_dimensions', 'api_key_encrypted', 'active_model']).where('id', '=', true).forUpdate().executeTakeFirstOrThrow();
  },
  updateSettings(db: Kysely<DB>, set: Updateable<KbEmbeddingSettingsTable>) {
    return db.updateTable('kb_embedding_settings').set(set).where('id', '=', true).execute();
  },
  createRun(db: Kysely<DB>, model: string, by: string | null) {
    return db.insertInto('kb_embedding_runs').values({ model, created_by: by, updated_by: by }).returning(['id']).executeTakeFirstOrThrow();
  },
  run(db: Kysely<DB>, id: string) {
    return db.selectFrom('kb_embedding_runs').select(['id', 'model', 'status', 'total', 'done', 'failed', 'error', 'started_at', 'finished_at']).where('id', '=', id).executeTakeFirst();
  },
  latestRun(db: Kysely<DB>) {
    return db.selectFrom('kb_embedding_runs').select(['id', 'model', 'status', 'total', 'done', 'failed', 'error', 'started_at', 'finished_at']).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  },
  updateRun(db: Kysely<DB>, id: string, set: { status?: 'running' | 'done' | 'failed'; total?: number; done?: number; failed?: number; error?: string | null; started_at?: Date; finished_at?: Date }) {
    return db.updateTable('kb_embedding_runs').set(set).where('id', '=', id).execute();
  }
};
