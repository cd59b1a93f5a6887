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
        from (
          select e.article_id, e.embedding <=> cast(${p.vector} as vector(384)) as distance
          from kb_embeddings e
          where e.model = ${p.model}
          order by ${NEAREST_ORDER(p.vector)}
          limit ${p.chunks}
        ) c
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
