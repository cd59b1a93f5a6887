// The knowledge base: articles (create, edit — every save is a new version with its change note
// —, workflow, delete), categories, tags, "was this helpful" votes, views, related articles,
// attachments and drafts from resolved tickets. Every method checks permissions with the domain
// rules and writes in one transaction with its audit entry; jobs (embedding on publish and on
// changes to a published article) are enqueued in that same transaction.
import type { Kysely, Updateable } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { DB } from '../db/schema';
import type { KbArticlesTable } from '../db/schema-service-desk';
import type { RequestContext } from '../context';
import { kbRepo, type ArticleListRow, type ArticleRow } from './repository';
import { recordAudit } from '../audit/service';
import { enqueue as enqueueJob } from '../jobs/queue';
import type { JobName, JobPayload } from '../jobs/registry';
import type { FilesService } from '../files/service';
import { renderArticleHtml } from './render';
import { log } from '../log';
import { AppError } from '$lib/domain/common/errors';
import { can, systemActor, type Actor } from '$lib/domain/auth/permissions';
import { allowedKbMoves, canReadArticle, checkKbTransition, editPermission, isLive, type KbStatus } from '$lib/domain/kb/workflow';
import { slugify, uniqueSlug } from '$lib/domain/kb/slug';
import { diffLines, diffStats } from '$lib/domain/kb/diff';
import { structuredDraftWriter, type KbDraftWriter } from '$lib/domain/kb/draft';
import { articleSimilarity, DUPLICATE_THRESHOLD, orQueryTerms } from '$lib/domain/kb/similarity';
import type {
  ArticleCreateBody,
  ArticleDetail,
  ArticleListQuery,
  ArticlePatchBody,
  ArticleView,
  CategoryBody,
  CategoryPatch,
  CategoryView,
  VersionView
} from '$lib/domain/kb/schemas';

type Db = Kysely<DB>;
export type Enqueue = <N extends JobName>(trx: Db, name: N, payload: JobPayload<N>) => Promise<unknown>;

const invalid = (field: string, message: string) => new AppError('validation', `${field}: ${message}`, { fields: [{ field, message }] });
const notFound = (field = 'id') => new AppError('not_found', `${field}: no such article`, { fields: [{ field, message: 'no such article' }] });
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const actorId = (ctx: RequestContext) => (ctx.actor.via === 'system' ? null : ctx.actor.id);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function articleView(a: ArticleListRow | ArticleRow): ArticleView {
  return {
    id: a.id,
    slug: a.slug,
    title: a.title,
    summary: a.summary,
    status: a.status,
    audience: a.audience,
    category_id: a.category_id,
    tags: a.tags,
    version: a.version,
    author_id: a.author_id,
    reviewer_id: a.reviewer_id,
    published_at: iso(a.published_at),
    revised_at: iso(a.revised_at),
    updated_at: a.updated_at.toISOString(),
    helpful_yes: a.helpful_yes,
    helpful_no: a.helpful_no,
    view_count: a.view_count,
    source_ticket_id: a.source_ticket_id,
    ai_generated: a.ai_generated,
    suspected_duplicate_id: a.suspected_duplicate_id,
    suspected_duplicate_score: a.suspected_duplicate_score
  };
}

export interface KbServiceOptions {
  files?: FilesService;
  /** Enqueues a job in the caller's transaction (default: the process's pg-boss queue). */
  enqueue?: Enqueue;
  /** Drafts articles from resolved tickets (default: the structured Problem/Cause/Resolution writer). */
  drafter?: KbDraftWriter;
}

export class KbService {
  readonly #files?: FilesService;
  readonly #enqueue: Enqueue;
  /** Replaceable at wiring time (an LLM drafter from the AI branch). */
  drafter: KbDraftWriter;
  /** Views already counted: (user, article) → time; one view per user per article per hour. */
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly db: Db,
    opts: KbServiceOptions = {}
  ) {
    this.#files = opts.files;
    this.#enqueue = opts.enqueue ?? ((trx, name, payload) => enqueueJob(trx, name, payload));
    this.drafter = opts.drafter ?? structuredDraftWriter;
  }

  #readable(actor: Actor, a: { status: string; audience: string } | undefined): asserts a {
    if (!a || !canReadArticle(actor.permissions, a)) throw notFound();
  }

  async #find(db: Db, ref: string) {
    return UUID.test(ref) ? kbRepo.byId(db, ref) : kbRepo.bySlug(db, ref);
  }

  async #slugFor(trx: Db, wanted: string | undefined, title: string, exceptId?: string): Promise<string> {
    if (wanted) {
      const taken = await kbRepo.slugsLike(trx, wanted, 'en', exceptId);
      if (taken.has(wanted)) throw new AppError('conflict', 'slug: another article uses this slug', { fields: [{ field: 'slug', message: 'is taken' }] });
      return wanted;
    }
    const base = slugify(title);
    return uniqueSlug(base, await kbRepo.slugsLike(trx, base, 'en', exceptId));
  }

  async #checkCategory(trx: Db, id: string | null | undefined) {
    if (id && !(await kbRepo.category(trx, id))) throw invalid('category_id', 'no such category');
  }

  async #embed(trx: Db, articleId: string) {
    await this.#enqueue(trx, 'kb.embed-article', { articleId });
  }

  // ─── Reading ────────────────────────────────────────────────────────────────────────────
  async list(ctx: RequestContext, q: ArticleListQuery) {
    const internal = can(ctx.actor, 'kb.read.internal');
    if (!internal && !can(ctx.actor, 'kb.read')) throw new AppError('forbidden', 'You may not read the knowledge base');
    const { items, total } = await kbRepo.list(this.db, q, internal);
    return { items: items.map(articleView), total };
  }

  async get(ctx: RequestContext, ref: string): Promise<ArticleDetail> {
    const a = await this.#find(this.db, ref);
    this.#readable(ctx.actor, a);
    const [attachments, vote] = await Promise.all([kbRepo.attachments(this.db, a.id), ctx.actor.via === 'system' ? undefined : kbRepo.myVote(this.db, a.id, ctx.actor.id)]);
    return {
      ...articleView(a),
      body: a.body,
      html: renderArticleHtml(a.body),
      attachments: attachments.map((f) => ({ id: f.id, name: f.sanitized_name, mime_type: f.mime_type, size_bytes: Number(f.size_bytes), url: `/api/v1/files/${f.id}` })),
      my_vote: vote ? vote.helpful : null,
      allowed_moves: allowedKbMoves(a.status, ctx.actor.permissions),
      can_edit: can(ctx.actor, editPermission(a.status))
    };
  }

  async versions(ctx: RequestContext, id: string): Promise<VersionView[]> {
    const a = await kbRepo.byId(this.db, id);
    this.#staffOnly(ctx, a);
    return (await kbRepo.versions(this.db, id)).map((v) => ({ ...v, created_at: v.created_at.toISOString() }));
  }

  async version(ctx: RequestContext, id: string, version: number): Promise<VersionView> {
    const a = await kbRepo.byId(this.db, id);
    this.#staffOnly(ctx, a);
    const v = await kbRepo.version(this.db, id, version);
    if (!v) throw new AppError('not_found', 'version: no such version', { fields: [{ field: 'version', message: 'no such version' }] });
    return { ...v, created_at: v.created_at.toISOString() };
  }

  /** Line/word diff between two versions (`to` defaults to the current one). */
  async diff(ctx: RequestContext, id: string, from: number, to?: number) {
    const a = await kbRepo.byId(this.db, id);
    this.#staffOnly(ctx, a);
    const toV = to ?? a.version;
    const [va, vb] = await Promise.all([kbRepo.version(this.db, id, from), kbRepo.version(this.db, id, toV)]);
    if (!va) throw new AppError('not_found', 'from: no such version', { fields: [{ field: 'from', message: 'no such version' }] });
    if (!vb) throw new AppError('not_found', 'to: no such version', { fields: [{ field: 'to', message: 'no such version' }] });
    const lines = diffLines(va.body, vb.body);
    return { from, to: toV, title: { from: va.title, to: vb.title }, summary: { from: va.summary, to: vb.summary }, lines, stats: diffStats(lines) };
  }

  /** Versions and diffs are for the people who may see drafts (they show unpublished text). */
  #staffOnly(ctx: RequestContext, a: ArticleRow | undefined): asserts a {
    if (!a || !can(ctx.actor, 'kb.read.internal')) throw notFound();
  }

  async related(ctx: RequestContext, ref: string, limit = 5) {
    const a = await this.#find(this.db, ref);
    this.#readable(ctx.actor, a);
    const publicOnly = !can(ctx.actor, 'kb.read.internal') || a.audience === 'public';
    const rows = await kbRepo.related(this.db, a, orQueryTerms(`${a.title} ${a.tags.join(' ')}`), publicOnly, limit);
    return rows.map((r) => {
      const reasons: Array<'tags' | 'category' | 'text'> = [];
      if (r.shared > 0) reasons.push('tags');
      if (r.same_cat) reasons.push('category');
      if (r.rank > 0) reasons.push('text');
      const score = Math.min(r.shared, 3) + (r.same_cat ? 0.5 : 0) + Math.min(r.rank * 4, 2);
      return { id: r.id, slug: r.slug, title: r.title, summary: r.summary, score: Math.round(score * 1000) / 1000, reasons };
    });
  }

  // ─── Writing ────────────────────────────────────────────────────────────────────────────
  async create(ctx: RequestContext, body: ArticleCreateBody, trx?: Db): Promise<ArticleView> {
    if (!can(ctx.actor, 'kb.write')) throw new AppError('forbidden', 'You may not write articles');
    const run = async (trx: Db) => {
      await this.#checkCategory(trx, body.category_id);
      const id = body.id ?? uuidv7();
      if (body.id && (await kbRepo.byId(trx, body.id))) throw new AppError('conflict', 'id: an article with this id already exists', { fields: [{ field: 'id', message: 'already exists' }] });
      const slug = await this.#slugFor(trx, body.slug, body.title);
      const now = new Date();
      const row = await kbRepo.insert(trx, {
        id,
        slug,
        title: body.title,
        summary: body.summary || null,
        body: body.body,
        status: 'draft',
        audience: body.audience,
        category_id: body.category_id ?? null,
        tags: body.tags ?? [],
        author_id: actorId(ctx),
        version: 1,
        revised_at: now,
        created_by: actorId(ctx),
        updated_by: actorId(ctx)
      });
      await kbRepo.insertVersion(trx, { article_id: id, version: 1, title: row.title, summary: row.summary, body: row.body, status: 'draft', change_note: body.change_note || 'Created', author_id: actorId(ctx), created_by: actorId(ctx), updated_by: actorId(ctx) });
      await recordAudit(trx, ctx, { action: 'kb.article.create', entityType: 'kb_article', entityId: id, after: { slug, title: row.title, audience: row.audience } });
      return articleView(row);
    };
    return trx ? run(trx) : this.db.transaction().execute(run);
  }

  /** A save: the changed fields, a new version with the change note; a save over a newer version is a conflict. */
  async update(ctx: RequestContext, id: string, patch: ArticlePatchBody): Promise<ArticleView> {
    return this.db.transaction().execute(async (trx) => {
      const a = await kbRepo.lock(trx, id);
      if (!a || !can(ctx.actor, 'kb.read.internal')) throw notFound();
      const need = editPermission(a.status);
      if (!can(ctx.actor, need)) throw new AppError('forbidden', `Editing a ${a.status} article needs the ${need} permission`);
      if (patch.base_version !== a.version) {
        throw new AppError('conflict', `base_version: the article is at version ${a.version}; you edited version ${patch.base_version}`, {
          fields: [{ field: 'base_version', message: `the article changed since (now version ${a.version})` }],
          currentVersion: a.version
        });
      }
      const set: Updateable<KbArticlesTable> = {};
      const changed: string[] = [];
      const put = <K extends keyof KbArticlesTable & keyof ArticlePatchBody>(k: K, v: unknown, cur: unknown) => {
        if (v === undefined) return;
        if (JSON.stringify(v) === JSON.stringify(cur)) return;
        (set as Record<string, unknown>)[k] = v;
        changed.push(k);
      };
      put('title', patch.title, a.title);
      put('summary', patch.summary === '' ? null : patch.summary, a.summary);
      put('body', patch.body, a.body);
      put('audience', patch.audience, a.audience);
      put('category_id', patch.category_id, a.category_id);
      put('tags', patch.tags, a.tags);
      if (patch.slug !== undefined && patch.slug !== a.slug) {
        set.slug = await this.#slugFor(trx, patch.slug, a.title, a.id);
        changed.push('slug');
      }
      if (!changed.length) return articleView(a);
      if (set.category_id) await this.#checkCategory(trx, set.category_id);
      const version = a.version + 1;
      const row = await kbRepo.update(trx, id, { ...set, version, revised_at: new Date(), updated_by: actorId(ctx) });
      await kbRepo.insertVersion(trx, { article_id: id, version, title: row.title, summary: row.summary, body: row.body, status: row.status, change_note: patch.change_note || null, author_id: actorId(ctx), created_by: actorId(ctx), updated_by: actorId(ctx) });
      await recordAudit(trx, ctx, {
        action: 'kb.article.update',
        entityType: 'kb_article',
        entityId: id,
        before: Object.fromEntries(changed.map((k) => [k, k === 'body' ? `${a.body.length} chars` : a[k as keyof ArticleRow]])),
        after: { ...Object.fromEntries(changed.map((k) => [k, k === 'body' ? `${row.body.length} chars` : row[k as keyof ArticleRow]])), version }
      });
      if (isLive(row)) await this.#embed(trx, id);
      return articleView(row);
    });
  }

  /** A move through the workflow (submit, publish, archive, …) by whoever may make it. */
  async transition(ctx: RequestContext, id: string, to: KbStatus, note?: string): Promise<ArticleView> {
    return this.db.transaction().execute(async (trx) => {
      const a = await kbRepo.lock(trx, id);
      if (!a || !can(ctx.actor, 'kb.read.internal')) throw notFound();
      if (a.status === to) return articleView(a);
      const check = checkKbTransition(a.status, to, ctx.actor.permissions);
      if (!check.ok) throw new AppError(check.forbidden ? 'forbidden' : 'conflict', `status: ${check.reason}`, { fields: [{ field: 'status', message: check.reason }] });
      const now = new Date();
      const set: Updateable<KbArticlesTable> = { status: to, updated_by: actorId(ctx) };
      if (to === 'published') {
        set.published_at = a.published_at ?? now;
        set.reviewer_id = actorId(ctx);
        set.reviewed_at = now;
        set.archived_at = null;
        // A publisher looked at it: a duplicate suspicion no longer applies.
        set.suspected_duplicate_id = null;
        set.suspected_duplicate_score = null;
      }
      if (to === 'archived') set.archived_at = now;
      if (to === 'draft' && a.status === 'archived') set.archived_at = null;
      // The database requires published_at on published rows only; keep the first publication date.
      const row = await kbRepo.update(trx, id, set);
      await recordAudit(trx, ctx, { action: `kb.article.${to === 'review' ? 'submit' : to === 'published' ? 'publish' : to === 'archived' ? 'archive' : 'to_draft'}`, entityType: 'kb_article', entityId: id, before: { status: a.status }, after: { status: to, ...(note ? { note } : {}) } });
      if (to === 'published') await this.#embed(trx, id);
      return articleView(row);
    });
  }

  async remove(ctx: RequestContext, id: string) {
    await this.db.transaction().execute(async (trx) => {
      const a = await kbRepo.lock(trx, id);
      if (!a || !can(ctx.actor, 'kb.read.internal')) throw notFound();
      const need = a.status === 'draft' && a.author_id === ctx.actor.id ? 'kb.write' : 'kb.publish';
      if (!can(ctx.actor, need)) throw new AppError('forbidden', `Deleting this article needs the ${need} permission`);
      await kbRepo.update(trx, id, { deleted_at: new Date(), updated_by: actorId(ctx) });
      await recordAudit(trx, ctx, { action: 'kb.article.delete', entityType: 'kb_article', entityId: id, before: { slug: a.slug, status: a.status } });
    });
  }

  // ─── Readers' signals ───────────────────────────────────────────────────────────────────
  /** One vote per user per article; voting again changes the vote (counters follow). */
  async feedback(ctx: RequestContext, id: string, helpful: boolean) {
    if (ctx.actor.via === 'system') throw new AppError('forbidden', 'Only people vote');
    return this.db.transaction().execute(async (trx) => {
      const a = await kbRepo.byId(trx, id);
      this.#readable(ctx.actor, a);
      if (!isLive(a)) throw new AppError('conflict', 'status: only published articles take feedback', { fields: [{ field: 'status', message: 'the article is not published' }] });
      const prev = await kbRepo.vote(trx, id, ctx.actor.id, helpful);
      let counters = { helpful_yes: a.helpful_yes, helpful_no: a.helpful_no };
      if (prev !== helpful) {
        const yes = (helpful ? 1 : 0) - (prev === true ? 1 : 0);
        const no = (helpful ? 0 : 1) - (prev === false ? 1 : 0);
        counters = await kbRepo.addCounters(trx, id, yes, no);
      }
      return { ...counters, my_vote: helpful };
    });
  }

  /** Counts a read of a published article, once per reader per article per hour. */
  async view(ctx: RequestContext, id: string) {
    const a = await kbRepo.byId(this.db, id);
    this.#readable(ctx.actor, a);
    if (!isLive(a)) return;
    const key = `${ctx.actor.id}:${id}`;
    const now = Date.now();
    const last = this.#seen.get(key);
    if (last && now - last < 3_600_000) return;
    this.#seen.set(key, now);
    if (this.#seen.size > 50_000) for (const [k, t] of this.#seen) if (now - t > 3_600_000) this.#seen.delete(k);
    await kbRepo.addViews(this.db, id, 1);
  }

  // ─── Categories and tags ────────────────────────────────────────────────────────────────
  async categories(ctx: RequestContext): Promise<CategoryView[]> {
    const internal = can(ctx.actor, 'kb.read.internal');
    if (!internal && !can(ctx.actor, 'kb.read')) throw new AppError('forbidden', 'You may not read the knowledge base');
    return (await kbRepo.categories(this.db, internal)).map((c) => ({ ...c, article_count: Number(c.article_count ?? 0) }));
  }

  async createCategory(ctx: RequestContext, body: CategoryBody): Promise<CategoryView> {
    return this.db.transaction().execute(async (trx) => {
      const slug = body.slug ?? slugify(body.name);
      if (await kbRepo.categorySlugTaken(trx, slug)) throw new AppError('conflict', 'slug: another category uses this slug', { fields: [{ field: body.slug ? 'slug' : 'name', message: 'is taken' }] });
      if (body.parent_id && !(await kbRepo.category(trx, body.parent_id))) throw invalid('parent_id', 'no such category');
      const row = await kbRepo.insertCategory(trx, { id: uuidv7(), slug, name: body.name, description: body.description ?? null, parent_id: body.parent_id ?? null, audience: body.audience, icon: body.icon ?? null, position: body.position, created_by: actorId(ctx), updated_by: actorId(ctx) });
      await recordAudit(trx, ctx, { action: 'kb.category.create', entityType: 'kb_category', entityId: row.id, after: { slug, name: row.name } });
      return { ...row, article_count: 0 };
    });
  }

  async updateCategory(ctx: RequestContext, id: string, patch: CategoryPatch): Promise<CategoryView> {
    return this.db.transaction().execute(async (trx) => {
      const cur = await kbRepo.category(trx, id);
      if (!cur) throw new AppError('not_found', 'id: no such category', { fields: [{ field: 'id', message: 'no such category' }] });
      if (patch.slug && (await kbRepo.categorySlugTaken(trx, patch.slug, id))) throw new AppError('conflict', 'slug: another category uses this slug', { fields: [{ field: 'slug', message: 'is taken' }] });
      if (patch.parent_id) {
        if (patch.parent_id === id) throw invalid('parent_id', 'a category cannot be its own parent');
        // No cycles: walk up from the new parent.
        let p: string | null = patch.parent_id;
        for (let depth = 0; p; depth++) {
          const c = await kbRepo.category(trx, p);
          if (!c) throw invalid('parent_id', 'no such category');
          if (c.parent_id === id || depth > 50) throw invalid('parent_id', 'would make a cycle');
          p = c.parent_id;
        }
      }
      const row = await kbRepo.updateCategory(trx, id, { ...patch, updated_by: actorId(ctx) });
      await recordAudit(trx, ctx, { action: 'kb.category.update', entityType: 'kb_category', entityId: id, before: cur, after: row ?? null });
      const counts = await kbRepo.categories(trx, true);
      return { ...row!, article_count: Number(counts.find((c) => c.id === id)?.article_count ?? 0) };
    });
  }

  /** Soft-deletes a category; its articles become uncategorised, its children top-level. */
  async deleteCategory(ctx: RequestContext, id: string) {
    await this.db.transaction().execute(async (trx) => {
      const cur = await kbRepo.category(trx, id);
      if (!cur) throw new AppError('not_found', 'id: no such category', { fields: [{ field: 'id', message: 'no such category' }] });
      await kbRepo.uncategorise(trx, id);
      await trx.updateTable('kb_categories').set({ parent_id: null }).where('parent_id', '=', id).execute();
      await kbRepo.updateCategory(trx, id, { deleted_at: new Date(), updated_by: actorId(ctx) });
      await recordAudit(trx, ctx, { action: 'kb.category.delete', entityType: 'kb_category', entityId: id, before: cur });
    });
  }

  async tags(ctx: RequestContext) {
    const internal = can(ctx.actor, 'kb.read.internal');
    if (!internal && !can(ctx.actor, 'kb.read')) throw new AppError('forbidden', 'You may not read the knowledge base');
    return kbRepo.tags(this.db, internal);
  }

  // ─── Attachments ────────────────────────────────────────────────────────────────────────
  async attach(ctx: RequestContext, id: string, fileIds: string[]) {
    if (!this.#files) throw new AppError('unavailable', 'file storage is not available');
    const files = this.#files;
    await this.db.transaction().execute(async (trx) => {
      const a = await kbRepo.lock(trx, id);
      if (!a || !can(ctx.actor, 'kb.read.internal')) throw notFound();
      if (!can(ctx.actor, editPermission(a.status))) throw new AppError('forbidden', `Editing a ${a.status} article needs the ${editPermission(a.status)} permission`);
      await files.attachToKbArticle(trx, ctx, { fileIds, articleId: id });
      await recordAudit(trx, ctx, { action: 'kb.article.attach', entityType: 'kb_article', entityId: id, after: { files: fileIds } });
    });
    return (await this.get(ctx, id)).attachments;
  }

  async detach(ctx: RequestContext, id: string, fileId: string) {
    await this.db.transaction().execute(async (trx) => {
      const a = await kbRepo.lock(trx, id);
      if (!a || !can(ctx.actor, 'kb.read.internal')) throw notFound();
      if (!can(ctx.actor, editPermission(a.status))) throw new AppError('forbidden', `Editing a ${a.status} article needs the ${editPermission(a.status)} permission`);
      const n = await trx.updateTable('files').set({ deleted_at: new Date(), updated_by: actorId(ctx) }).where('id', '=', fileId).where('owner_type', '=', 'kb_article').where('owner_id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      if (!n.numUpdatedRows) throw new AppError('not_found', 'fileId: no such attachment', { fields: [{ field: 'fileId', message: 'no such attachment' }] });
      await recordAudit(trx, ctx, { action: 'kb.article.detach', entityType: 'kb_article', entityId: id, after: { file: fileId } });
    });
  }

  // ─── Learning from resolved tickets (the kb.draft-from-ticket job) ──────────────────────
  /**
   * Drafts an article from a resolved ticket for an agent to review. Idempotent per ticket (one
   * article per source ticket, ever: a unique index); a ticket reopened before the job ran, or
   * one the drafter finds nothing in, gets no draft. Flags a likely duplicate of a published
   * article (full-text similarity of title and body above DUPLICATE_THRESHOLD).
   */
  async draftFromTicket(ticketId: string): Promise<{ articleId: string | null; created: boolean; duplicateOf?: string | null; reason?: string }> {
    const ctx: RequestContext = { actor: systemActor, source: 'system' };
    const existing = await kbRepo.bySourceTicket(this.db, ticketId);
    if (existing) return { articleId: existing.id, created: false, reason: 'already drafted' };
    const ticket = await kbRepo.ticketForDraft(this.db, ticketId);
    if (!ticket || ticket.deleted_at) return { articleId: null, created: false, reason: 'no such ticket' };
    if (ticket.status !== 'resolved' && ticket.status !== 'closed') return { articleId: null, created: false, reason: `ticket is ${ticket.status}` };
    const comments = await kbRepo.commentsForDraft(this.db, ticketId);
    const draft = await this.drafter.draft({ ...ticket, number: Number(ticket.number) }, comments);
    if (!draft) return { articleId: null, created: false, reason: 'nothing to draft' };
    const dup = await this.findDuplicate(draft.title, `${draft.title} ${draft.summary} ${draft.body}`, null);
    try {
      return await this.db.transaction().execute(async (trx) => {
        if (await kbRepo.bySourceTicket(trx, ticketId)) return { articleId: null, created: false, reason: 'already drafted' };
        const id = uuidv7();
        const slug = await this.#slugFor(trx, undefined, draft.title);
        const row = await kbRepo.insert(trx, {
          id,
          slug,
          title: draft.title.slice(0, 200),
          summary: draft.summary.slice(0, 500) || null,
          body: draft.body,
          status: 'draft',
          // Drafts from tickets start internal: a person decides whether the public may read it.
          audience: 'internal',
          tags: ticket.tags ?? [],
          author_id: ticket.assignee_id,
          version: 1,
          revised_at: new Date(),
          source_ticket_id: ticketId,
          ai_generated: draft.aiGenerated ?? this.drafter.aiGenerated === true,
          suspected_duplicate_id: dup?.id ?? null,
          suspected_duplicate_score: dup?.score ?? null
        });
        await kbRepo.insertVersion(trx, { article_id: id, version: 1, title: row.title, summary: row.summary, body: row.body, status: 'draft', change_note: `Drafted from ticket #${ticket.number}`, author_id: null });
        await recordAudit(trx, ctx, { action: 'kb.article.draft_from_ticket', entityType: 'kb_article', entityId: id, after: { ticket_id: ticketId, duplicate_of: dup?.id ?? null, score: dup?.score ?? null } });
        return { articleId: id, created: true, duplicateOf: dup?.id ?? null };
      });
    } catch (e) {
      // Two workers drafting the same ticket: the unique index lets one win.
      if ((e as { code?: string }).code === '23505') return { articleId: null, created: false, reason: 'already drafted' };
      throw e;
    }
  }

  /** The published article most like this text, when similar enough to be a likely duplicate. */
  async findDuplicate(title: string, all: string, exceptId: string | null): Promise<{ id: string; score: number } | null> {
    const mine = await kbRepo.lexemes(this.db, title, all);
    const candidates = await kbRepo.duplicateCandidates(this.db, orQueryTerms(title + ' ' + all.slice(0, 4000)), exceptId);
    let best: { id: string; score: number } | null = null;
    for (const c of candidates) {
      const score = articleSimilarity({ title: mine.title, all: mine.all }, { title: c.title_lex, all: c.all_lex });
      if (!best || score > best.score) best = { id: c.id, score: Math.round(score * 1000) / 1000 };
    }
    if (best && best.score >= DUPLICATE_THRESHOLD) return best;
    if (best) log.debug('kb draft: closest published article below the duplicate threshold', { id: best.id, score: best.score });
    return null;
  }
}
