// Queries of knowledge-base search and embedding (explicit columns, no rules).
import { sql, type Kysely, type Updateable } from 'kysely';
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

/** A web-search style query as typed (quotes, -, or), or a to_tsquery built from plain words. */
export type KeywordQuery = { kind: 'websearch' | 'tsquery'; text: string };

export interface RankedId {
  id: string;
  score: number;
}

export const searchRepo = {
  // ─── search ───────────────────────────────────────────────────────────────────────────────
  /**
   * Articles matching a text-search query, ranked with ts_rank_cd over the weighted vector
   * (title A over summary B over body C). At most `cap` matches are ranked: ranking reads every
   * matching row, and a common word matches thousands; the tiers in kb-search.ts ask the
   * selective questions first, so the cap only bites on queries that match a large share.
   */
  async keyword(db: Kysely<DB>, q: KeywordQuery, v: Visibility, exclude: string[], limit: number, cap: number): Promise<RankedId[]> {
    const tsq = q.kind === 'websearch' ? sql`websearch_to_tsquery('english', ${q.text})` : sql`to_tsquery('english', ${q.text})`;
    const r = await sql<{ id: string; rank: number }>`
      select m.id, ts_rank_cd(m.search_vector, m.q, 1) as rank
      from (
        select a.id, a.search_vector, q
        from kb_articles a, ${tsq} q
        where a.search_vector @@ q and ${visible(v)} ${exclude.length ? sql`and a.id <> all(${exclude}::uuid[])` : sql``}
        limit ${cap}
      ) m
      order by rank desc, m.id
      limit ${limit}`.execute(db);
    return r.rows.map((x) => ({ id: x.id, score: Number(x.rank) }));
  },

  /**
   * Nearest chunks of `model` by cosine distance through the HNSW index, then their articles
   * (best chunk per article) that the reader may see. Run inside a transaction that set
   * hnsw.ef_search (SET LOCAL), see kb-search.ts.
   */
  async nearest(db: Kysely<DB>, vector: string, model: string, v: Visibility, chunks: number, limit: number): Promise<RankedId[]> {
    const r = await sql<{ id: string; distance: number }>`
      select c.article_id as id, min(c.distance) as distance
      from (
        select e.article_id, e.embedding <=> cast(${vector} as vector(384)) as distance
        from kb_embeddings e
        where e.model = ${model}
        order by e.embedding <=> cast(${vector} as vector(384))
        limit ${chunks}
      ) c
      join kb_articles a on a.id = c.article_id
      where ${visible(v)}
      group by c.article_id
      order by distance, c.article_id
      limit ${limit}`.execute(db);
    return r.rows.map((x) => ({ id: x.id, score: 1 - Number(x.distance) }));
  },

  /**
   * Title, summary and a highlighted passage of each article (for the words in `words`, when any),
   * and the first `bodyChars` characters of its body when asked (the assistant's tool reads them).
   */
  async hits(db: Kysely<DB>, ids: string[], words: string[], bodyChars = 0) {
    if (!ids.length) return [];
    const q = words.length ? sql`to_tsquery('english', ${words.join(' | ')})` : sql`''::tsquery`;
    const r = await sql<{ id: string; slug: string; title: string; summary: string | null; headline: string | null; body: string | null }>`
      select a.id, a.slug, a.title, a.summary,
        ${bodyChars > 0 ? sql`left(a.body, ${bodyChars})` : sql`null`} as body,
        ts_headline('english', left(a.body, 20000), ${q}, 'MaxFragments=2, MinWords=6, MaxWords=22, StartSel=**, StopSel=**, FragmentDelimiter=" … "') as headline
      from kb_articles a
      where a.id = any(${ids}::uuid[])`.execute(db);
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
