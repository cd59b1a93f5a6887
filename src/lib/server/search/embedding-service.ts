// Embedding of knowledge-base articles (the kb.embed-article and kb.reembed-all jobs) and the
// admin side of the provider (settings, test, re-embed all with progress).
//
// Idempotent by construction: a chunk is re-embedded only when its content hash (model + text)
// changed, chunks past the article's end and vectors of other models are deleted, and a run
// that is retried starts over cheaply (unchanged chunks are skipped).
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { chunkArticle } from '$lib/domain/search/chunk';
import { AppError } from '$lib/domain/common/errors';
import { can } from '$lib/domain/auth/permissions';
import { EMBEDDING_DIMENSION, EmbeddingProviderUpdate } from '$lib/domain/search/schemas';
import { LOCAL_EMBEDDER_ID } from '$lib/domain/search/hashing-embedder';
import type { RequestContext } from '../context';
import { recordAudit } from '../audit/service';
import { seal, type KeyRing } from '../email/secrets';
import { enqueue } from '../jobs/queue';
import { vectorLiteral, type Embedder } from './embedder';
import { openAiEmbedderId } from './openai-embedder';
import { activeEmbedder, embedderFor, invalidateActiveEmbedder, searchKeyRing, type ProviderConfig } from './provider';
import { searchRepo } from './repository';
import { log } from '../log';

export const chunkHash = (model: string, content: string) => createHash('sha256').update(model).update('\0').update(content).digest('hex');

export interface EmbedResult {
  articleId: string;
  model: string;
  chunks: number;
  embedded: number;
  skipped: number;
  deleted: number;
}

/** The same schema as the HTTP edge, for callers that are not routes (jobs, tests, the AI side). */
function parseUpdate(input: unknown): EmbeddingProviderUpdate {
  const r = EmbeddingProviderUpdate.safeParse(input);
  if (!r.success) throw new AppError('validation', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '), { fields: r.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })) });
  return r.data;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export class EmbeddingService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly ring?: KeyRing
  ) {}

  /** (Re)embeds one article's chunks with `embedder` (default: the active provider). */
  async embedArticle(articleId: string, embedder?: Embedder): Promise<EmbedResult> {
    const e = embedder ?? (await activeEmbedder(this.db, this.ring ?? searchKeyRing()));
    const article = await searchRepo.article(this.db, articleId);
    if (!article || article.deleted_at) {
      const deleted = await searchRepo.deleteArticle(this.db, articleId);
      return { articleId, model: e.id, chunks: 0, embedded: 0, skipped: 0, deleted };
    }
    const chunks = chunkArticle(article);
    const existing = new Map((await searchRepo.chunkHashes(this.db, articleId, e.id)).map((r) => [r.chunk_index, r.content_hash]));
    const todo = chunks.map((c) => ({ ...c, hash: chunkHash(e.id, c.content) })).filter((c) => existing.get(c.index) !== c.hash);
    const vectors = todo.length ? await e.embed(todo.map((c) => c.content)) : [];
    for (const v of vectors) if (v.length !== EMBEDDING_DIMENSION) throw new Error(`${e.id} returned ${v.length} dimensions; ${EMBEDDING_DIMENSION} are required`);
    const deleted = await this.db.transaction().execute(async (trx) => {
      await searchRepo.upsertChunks(
        trx,
        todo.map((c, i) => ({ article_id: articleId, article_version: article.version, chunk_index: c.index, content: c.content, content_hash: c.hash, model: e.id, embedding: vectorLiteral(vectors[i]) }))
      );
      return searchRepo.deleteStale(trx, articleId, e.id, chunks.length);
    });
    return { articleId, model: e.id, chunks: chunks.length, embedded: todo.length, skipped: chunks.length - todo.length, deleted };
  }

  /** The kb.reembed-all job: every live article with the active provider, progress in the run row. */
  async reembedAll(runId: string, opts: { batch?: number } = {}) {
    const run = await searchRepo.run(this.db, runId);
    if (!run || run.status === 'done' || run.error?.startsWith('superseded')) return run;
    invalidateActiveEmbedder(this.db);
    let e: Embedder;
    try {
      e = await activeEmbedder(this.db, this.ring ?? searchKeyRing());
    } catch (err) {
      // Visible on the admin screen; pg-boss retries the job (a retry sets it running again).
      await searchRepo.updateRun(this.db, runId, { status: 'failed', error: (err as Error).message, finished_at: new Date() });
      throw err;
    }
    if (e.id !== run.model) {
      // The provider changed again since this run was queued: the newer run does the work.
      await searchRepo.updateRun(this.db, runId, { status: 'failed', error: `superseded: the active model is now ${e.id}`, finished_at: new Date() });
      return searchRepo.run(this.db, runId);
    }
    const { articles } = await searchRepo.counts(this.db, e.id);
    await searchRepo.updateRun(this.db, runId, { status: 'running', total: articles, done: 0, failed: 0, error: null, started_at: new Date() });
    let after: string | null = null;
    let done = 0;
    let failed = 0;
    let lastError: string | null = null;
    const batch = opts.batch ?? 50;
    for (;;) {
      const ids = await searchRepo.articleIds(this.db, after, batch);
      if (!ids.length) break;
      for (const { id } of ids) {
        try {
          await this.embedArticle(id, e);
          done++;
        } catch (err) {
          failed++;
          lastError = (err as Error).message;
          log.warn('re-embed: article failed', { articleId: id, error: lastError });
          // A provider that refuses everything (bad key, wrong model) fails the run early.
          if (failed >= 20 && done === 0) {
            await searchRepo.updateRun(this.db, runId, { status: 'failed', done, failed, error: lastError, finished_at: new Date() });
            throw err;
          }
        }
      }
      after = ids[ids.length - 1].id;
      await searchRepo.updateRun(this.db, runId, { done, failed, total: Math.max(articles, done + failed) });
    }
    // Vectors of earlier models are never read again.
    if (!failed) await searchRepo.deleteOtherModels(this.db, e.id);
    await searchRepo.updateRun(this.db, runId, { status: failed ? 'failed' : 'done', done, failed, error: lastError, finished_at: new Date() });
    return searchRepo.run(this.db, runId);
  }

  // ─── admin ────────────────────────────────────────────────────────────────────────────────
  #require(ctx: RequestContext) {
    if (!can(ctx.actor, 'settings.manage')) throw new AppError('forbidden', 'You may not manage the embedding provider');
  }

  async view(ctx: RequestContext) {
    this.#require(ctx);
    const s = await searchRepo.settings(this.db);
    const counts = await searchRepo.counts(this.db, s.active_model);
    const run = await searchRepo.latestRun(this.db);
    return {
      provider: s.provider,
      baseUrl: s.base_url,
      model: s.provider === 'local' ? LOCAL_EMBEDDER_ID : s.model,
      dimension: s.dimension,
      sendDimensions: s.send_dimensions,
      hasApiKey: !!s.api_key_encrypted,
      activeModel: s.active_model,
      articles: counts.articles,
      embeddedArticles: counts.embedded,
      run: run ? { id: run.id, model: run.model, status: run.status, total: run.total, done: run.done, failed: run.failed, error: run.error, startedAt: iso(run.started_at), finishedAt: iso(run.finished_at) } : null
    };
  }

  #keyRing(): KeyRing {
    const ring = this.ring ?? searchKeyRing();
    if (!ring) throw new AppError('unavailable', 'apiKey: cannot be stored: no encryption key is configured in this process');
    return ring;
  }

  /** The configuration `body` describes, over the stored one (the stored key when none is sent). */
  #configOf(body: EmbeddingProviderUpdate, stored: ProviderConfig): ProviderConfig {
    if (body.provider === 'local') return { ...stored, provider: 'local', active_model: LOCAL_EMBEDDER_ID };
    const api_key_encrypted = body.apiKey === undefined ? stored.api_key_encrypted : body.apiKey === '' ? null : seal(this.#keyRing(), body.apiKey);
    return {
      provider: 'openai',
      base_url: body.baseUrl,
      model: body.model,
      dimension: body.dimension,
      send_dimensions: body.sendDimensions,
      api_key_encrypted,
      active_model: openAiEmbedderId(body.model)
    };
  }

  async update(ctx: RequestContext, input: EmbeddingProviderUpdate) {
    this.#require(ctx);
    const body = parseUpdate(input);
    await this.db.transaction().execute(async (trx) => {
      const stored = await searchRepo.settingsForUpdate(trx);
      const next = this.#configOf(body, stored);
      await searchRepo.updateSettings(trx, {
        provider: next.provider,
        base_url: next.provider === 'local' ? stored.base_url : next.base_url,
        model: next.provider === 'local' ? stored.model : next.model,
        dimension: next.dimension,
        send_dimensions: next.send_dimensions,
        api_key_encrypted: next.api_key_encrypted,
        active_model: next.active_model,
        updated_by: ctx.actor.id
      });
      const changed = stored.active_model !== next.active_model || stored.base_url !== next.base_url || stored.provider !== next.provider;
      await recordAudit(trx, ctx, {
        action: 'kb.embeddings.provider',
        entityType: 'system_setting',
        entityId: 'kb.embeddings',
        // Never the key: only whether one is stored.
        before: { provider: stored.provider, baseUrl: stored.base_url, model: stored.model, activeModel: stored.active_model, hasApiKey: !!stored.api_key_encrypted },
        after: { provider: next.provider, baseUrl: next.base_url, model: next.model, activeModel: next.active_model, hasApiKey: !!next.api_key_encrypted }
      });
      if (changed) await this.#startRun(trx, next.active_model, ctx.actor.id);
    });
    invalidateActiveEmbedder(this.db);
    return this.view(ctx);
  }

  /** Embeds a short text with the described (or stored) provider: reachability, key, model and dimension. */
  async test(ctx: RequestContext, input: EmbeddingProviderUpdate | undefined) {
    this.#require(ctx);
    const body = input && parseUpdate(input);
    const stored = await searchRepo.settings(this.db);
    const cfg = body ? this.#configOf(body.provider === 'openai' && body.apiKey ? { ...body, apiKey: undefined } : body, stored) : stored;
    const t = performance.now();
    let model = cfg.active_model;
    try {
      const e = embedderFor(cfg, this.ring ?? searchKeyRing(), body?.provider === 'openai' && body.apiKey ? body.apiKey : undefined);
      model = e.id;
      const [v] = await e.embed(['Outpost test: how do I reset my password?']);
      return { ok: true, model, dimension: v.length, ms: Math.round(performance.now() - t) };
    } catch (e) {
      return { ok: false, model, dimension: null, ms: Math.round(performance.now() - t), error: (e as Error).message };
    }
  }

  async startReembed(ctx: RequestContext) {
    this.#require(ctx);
    await this.db.transaction().execute(async (trx) => {
      const s = await searchRepo.settingsForUpdate(trx);
      await this.#startRun(trx, s.active_model, ctx.actor.id);
      await recordAudit(trx, ctx, { action: 'kb.embeddings.reembed', entityType: 'system_setting', entityId: 'kb.embeddings', after: { model: s.active_model } });
    });
    return this.view(ctx);
  }

  /**
   * At boot: when the built-in embedder of this code has another id than the one stored (an
   * upgrade changed its features, so LOCAL_EMBEDDER_ID changed) and the local provider is in use,
   * the new id becomes the active model and a kb.reembed-all run re-embeds every article, as a
   * provider change does. Until it is done the semantic part finds only re-embedded articles
   * (hybrid search still has its keyword part). Returns the run's id, or null when nothing changed.
   */
  async adoptLocalModel(): Promise<string | null> {
    return this.db.transaction().execute(async (trx) => {
      const s = await searchRepo.settingsForUpdate(trx);
      if (s.provider !== 'local' || s.active_model === LOCAL_EMBEDDER_ID) return null;
      await searchRepo.updateSettings(trx, { active_model: LOCAL_EMBEDDER_ID });
      log.info('kb embeddings: the built-in embedder changed, re-embedding every article', { from: s.active_model, to: LOCAL_EMBEDDER_ID });
      return this.#startRun(trx, LOCAL_EMBEDDER_ID, null);
    });
  }

  async #startRun(trx: Kysely<DB>, model: string, by: string | null) {
    const run = await searchRepo.createRun(trx, model, by);
    await enqueue(trx, 'kb.reembed-all', { runId: run.id }, { singletonKey: run.id });
    return run.id;
  }
}
