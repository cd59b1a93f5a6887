// Queries of the knowledge base tables. No rules here: the service decides who sees what and
// passes the visibility in (`internal`: drafts and internal articles included).
import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { DB } from '../db/schema';
import type { KbArticlesTable, KbArticleVersionsTable, KbCategoriesTable } from '../db/schema-service-desk';
import type { ArticleListQuery } from '$lib/domain/kb/schemas';

export const ARTICLE_COLUMNS = [
  'id', 'slug', 'locale', 'title', 'summary', 'body', 'status', 'audience', 'category_id', 'tags', 'author_id', 'reviewer_id',
  'reviewed_at', 'published_at', 'archived_at', 'revised_at', 'version', 'helpful_yes', 'helpful_no', 'view_count',
  'source_ticket_id', 'ai_generated', 'suspected_duplicate_id', 'suspected_duplicate_score', 'created_at', 'updated_at', 'deleted_at'
] as const;
const LIST_COLUMNS = ARTICLE_COLUMNS.filter((c) => c !== 'body');
const CATEGORY_COLUMNS = ['id', 'slug', 'name', 'description', 'parent_id', 'audience', 'icon', 'position'] as const;

type Db = Kysely<DB>;

export const kbRepo = {
  byId(db: Db, id: string) {
    return db.selectFrom('kb_articles').select(ARTICLE_COLUMNS).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  },
  bySlug(db: Db, slug: string, locale = 'en') {
    return db.selectFrom('kb_articles').select(ARTICLE_COLUMNS).where('slug', '=', slug).where('locale', '=', locale).where('deleted_at', 'is', null).executeTakeFirst();
  },
  lock(db: Db, id: string) {
    return db.selectFrom('kb_articles').select(ARTICLE_COLUMNS).where('id', '=', id).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
  },
  bySourceTicket(db: Db, ticketId: string) {
    return db.selectFrom('kb_articles').select(['id', 'deleted_at']).where('source_ticket_id', '=', ticketId).executeTakeFirst();
  },
  /** Slugs in use that start with `base` (to find the first free one). */
  async slugsLike(db: Db, base: string, locale = 'en', exceptId?: string) {
    let q = db.selectFrom('kb_articles').select('slug').where('locale', '=', locale).where('deleted_at', 'is', null).where('slug', 'like', `${base.replace(/[%_\\]/g, '\\$&')}%`);
    if (exceptId) q = q.where('id', '<>', exceptId);
    return new Set((await q.execute()).map((r) => r.slug));
  },

  async list(db: Db, f: ArticleListQuery, internal: boolean) {
    let q = db.selectFrom('kb_articles').where('deleted_at', 'is', null);
    if (!internal) q = q.where('status', '=', 'published').where('audience', '=', 'public');
    if (f.status) q = q.where('status', '=', f.status);
    if (f.audience) q = q.where('audience', '=', f.audience);
    if (f.category_id) q = q.where('category_id', '=', f.category_id);
    if (f.tag) q = q.where(sql<boolean>`tags @> array[${f.tag}]::text[]`);
    if (f.q) q = q.where(sql<boolean>`search_vector @@ websearch_to_tsquery('english', ${f.q})`);
    const total = Number((await q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    let page = q.select(LIST_COLUMNS);
    page = f.q
      ? page.orderBy(sql`ts_rank_cd(search_vector, websearch_to_tsquery('english', ${f.q}), 32)`, 'desc').orderBy('id')
      : page.orderBy(sql`coalesce(revised_at, updated_at)`, 'desc').orderBy('id');
    const items = await page.limit(f.limit).offset(f.offset).execute();
    return { items, total };
  },

  insert(db: Db, row: Insertable<KbArticlesTable>) {
    return db.insertInto('kb_articles').values(row).returning(ARTICLE_COLUMNS).executeTakeFirstOrThrow();
  },
  update(db: Db, id: string, set: Updateable<KbArticlesTable>) {
    return db.updateTable('kb_articles').set(set).where('id', '=', id).returning(ARTICLE_COLUMNS).executeTakeFirstOrThrow();
  },
  insertVersion(db: Db, row: Insertable<KbArticleVersionsTable>) {
    return db.insertInto('kb_article_versions').values(row).execute();
  },
  versions(db: Db, articleId: string) {
    return db
      .selectFrom('kb_article_versions as v')
      .leftJoin('users as u', 'u.id', 'v.author_id')
      .select(['v.version', 'v.title', 'v.summary', 'v.body', 'v.status', 'v.change_note', 'v.author_id', 'u.name as author_name', 'v.created_at'])
      .where('v.article_id', '=', articleId)
      .orderBy('v.version', 'desc')
      .execute();
  },
  version(db: Db, articleId: string, version: number) {
    return db
      .selectFrom('kb_article_versions as v')
      .leftJoin('users as u', 'u.id', 'v.author_id')
      .select(['v.version', 'v.title', 'v.summary', 'v.body', 'v.status', 'v.change_note', 'v.author_id', 'u.name as author_name', 'v.created_at'])
      .where('v.article_id', '=', articleId)
      .where('v.version', '=', version)
      .executeTakeFirst();
  },

  // ─── Feedback and views ─────────────────────────────────────────────────────────────────
  myVote(db: Db, articleId: string, userId: string) {
    return db.selectFrom('kb_article_feedback').select('helpful').where('article_id', '=', articleId).where('user_id', '=', userId).executeTakeFirst();
  },
  /** The previous vote (locked), then the new one written. */
  async vote(db: Db, articleId: string, userId: string, helpful: boolean) {
    const prev = await db.selectFrom('kb_article_feedback').select('helpful').where('article_id', '=', articleId).where('user_id', '=', userId).forUpdate().executeTakeFirst();
    if (prev) {
      if (prev.helpful !== helpful) await db.updateTable('kb_article_feedback').set({ helpful }).where('article_id', '=', articleId).where('user_id', '=', userId).execute();
    } else {
      await db.insertInto('kb_article_feedback').values({ article_id: articleId, user_id: userId, helpful }).execute();
    }
    return prev?.helpful ?? null;
  },
  addCounters(db: Db, articleId: string, yes: number, no: number) {
    return db
      .updateTable('kb_articles')
      .set((eb) => ({ helpful_yes: eb('helpful_yes', '+', yes), helpful_no: eb('helpful_no', '+', no) }))
      .where('id', '=', articleId)
      .returning(['helpful_yes', 'helpful_no'])
      .executeTakeFirstOrThrow();
  },
  addViews(db: Db, articleId: string, n: number) {
    return db.updateTable('kb_articles').set((eb) => ({ view_count: eb('view_count', '+', n) })).where('id', '=', articleId).where('deleted_at', 'is', null).execute();
  },

  // ─── Related and duplicates ─────────────────────────────────────────────────────────────
  /**
   * Published articles sharing tags or the category with the given one, or matching its title
   * and tags as an OR full-text query, scored: shared tags 1 each (at most 3), same category
   * 0.5, full-text rank scaled to about 0–2.
   */
  async related(db: Db, a: { id: string; tags: string[]; category_id: string | null }, orQuery: string, publicOnly: boolean, limit: number) {
    const tags = a.tags.length ? a.tags : ['\u0000'];
    const tsq = orQuery ? sql`to_tsquery('english', ${orQuery})` : sql`''::tsquery`;
    const rows = await sql<{ id: string; slug: string; title: string; summary: string | null; shared: number; same_cat: boolean; rank: number }>`
      select k.id, k.slug, k.title, k.summary,
             cardinality(array(select unnest(k.tags) intersect select unnest(${tags}::text[])))::int as shared,
             (${a.category_id}::uuid is not null and k.category_id = ${a.category_id}::uuid) as same_cat,
             ts_rank(k.search_vector, ${tsq})::float8 as rank
        from kb_articles k
       where k.id <> ${a.id} and k.deleted_at is null and k.status = 'published'
         ${publicOnly ? sql`and k.audience = 'public'` : sql``}
         and (k.tags && ${tags}::text[] or k.category_id = ${a.category_id}::uuid or k.search_vector @@ ${tsq})
       order by (least(cardinality(array(select unnest(k.tags) intersect select unnest(${tags}::text[]))), 3)
                 + case when k.category_id = ${a.category_id}::uuid then 0.5 else 0 end
                 + least(ts_rank(k.search_vector, ${tsq}) * 4, 2)) desc, k.id
       limit ${limit}`.execute(db);
    return rows.rows;
  },
  /** Lexemes of a text as PostgreSQL's English configuration makes them. */
  async lexemes(db: Db, title: string, all: string) {
    const r = await sql<{ title: string[]; all: string[] }>`select tsvector_to_array(to_tsvector('english', ${title})) as title, tsvector_to_array(to_tsvector('english', ${all})) as all`.execute(db);
    return r.rows[0];
  },
  /** Published articles matching any of the terms, best first, with their lexemes. */
  async duplicateCandidates(db: Db, orQuery: string, exceptId: string | null, limit = 20) {
    if (!orQuery) return [];
    const r = await sql<{ id: string; title_lex: string[]; all_lex: string[] }>`
      select k.id, tsvector_to_array(to_tsvector('english', k.title)) as title_lex, tsvector_to_array(k.search_vector) as all_lex
        from kb_articles k
       where k.deleted_at is null and k.status = 'published' and k.search_vector @@ to_tsquery('english', ${orQuery})
         ${exceptId ? sql`and k.id <> ${exceptId}` : sql``}
       order by ts_rank(k.search_vector, to_tsquery('english', ${orQuery})) desc
       limit ${limit}`.execute(db);
    return r.rows;
  },

  // ─── Categories and tags ────────────────────────────────────────────────────────────────
  async categories(db: Db, internal: boolean) {
    let q = db
      .selectFrom('kb_categories as c')
      .select([...CATEGORY_COLUMNS.map((c) => `c.${c}` as const)])
      .select((eb) =>
        eb
          .selectFrom('kb_articles as a')
          .whereRef('a.category_id', '=', 'c.id')
          .where('a.deleted_at', 'is', null)
          .where((w) => (internal ? w.lit(true) : w.and([w('a.status', '=', 'published'), w('a.audience', '=', 'public')])))
          .select((s) => s.fn.countAll<string>().as('n'))
          .as('article_count')
      )
      .where('c.deleted_at', 'is', null);
    if (!internal) q = q.where('c.audience', '=', 'public');
    return q.orderBy('c.position').orderBy('c.name').execute();
  },
  category(db: Db, id: string) {
    return db.selectFrom('kb_categories').select(CATEGORY_COLUMNS).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  },
  insertCategory(db: Db, row: Insertable<KbCategoriesTable>) {
    return db.insertInto('kb_categories').values(row).returning(CATEGORY_COLUMNS).executeTakeFirstOrThrow();
  },
  updateCategory(db: Db, id: string, set: Updateable<KbCategoriesTable>) {
    return db.updateTable('kb_categories').set(set).where('id', '=', id).where('deleted_at', 'is', null).returning(CATEGORY_COLUMNS).executeTakeFirst();
  },
  categorySlugTaken(db: Db, slug: string, exceptId?: string) {
    let q = db.selectFrom('kb_categories').select('id').where('slug', '=', slug).where('deleted_at', 'is', null);
    if (exceptId) q = q.where('id', '<>', exceptId);
    return q.executeTakeFirst();
  },
  uncategorise(db: Db, categoryId: string) {
    return db.updateTable('kb_articles').set({ category_id: null }).where('category_id', '=', categoryId).execute();
  },
  async tags(db: Db, internal: boolean) {
    const r = await sql<{ tag: string; count: number }>`
      select t.tag, count(*)::int as count
        from kb_articles k cross join lateral unnest(k.tags) as t(tag)
       where k.deleted_at is null ${internal ? sql`` : sql`and k.status = 'published' and k.audience = 'public'`}
       group by t.tag order by count(*) desc, t.tag limit 500`.execute(db);
    return r.rows;
  },

  // ─── Attachments (files owned by the article) ───────────────────────────────────────────
  attachments(db: Db, articleId: string) {
    return db
      .selectFrom('files')
      .select(['id', 'sanitized_name', 'mime_type', 'size_bytes'])
      .where('owner_type', '=', 'kb_article')
      .where('owner_id', '=', articleId)
      .where('status', '=', 'stored')
      .where('deleted_at', 'is', null)
      .orderBy('created_at')
      .execute();
  },

  // ─── The ticket a draft is made from ────────────────────────────────────────────────────
  ticketForDraft(db: Db, ticketId: string) {
    return db
      .selectFrom('tickets')
      .select(['id', 'number', 'subject', 'description', 'status', 'resolution_code', 'resolution_notes', 'tags', 'resolved_at', 'category_id', 'assignee_id', 'deleted_at'])
      .where('id', '=', ticketId)
      .executeTakeFirst();
  },
  commentsForDraft(db: Db, ticketId: string) {
    return db
      .selectFrom('ticket_comments')
      .select(['body', 'internal', 'author_type', 'created_at'])
      .where('ticket_id', '=', ticketId)
      .where('deleted_at', 'is', null)
      .orderBy('created_at')
      .execute();
  }
};

export type ArticleRow = NonNullable<Awaited<ReturnType<typeof kbRepo.byId>>>;
export type ArticleListRow = Awaited<ReturnType<typeof kbRepo.list>>['items'][number];
