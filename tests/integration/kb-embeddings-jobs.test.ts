// Embedding jobs through the real pg-boss queue, and the embedding provider switch, on PGlite
// and PostgreSQL: kb.embed-article enqueued in the article's transaction embeds it; changing the
// provider to an OpenAI-compatible endpoint (a local server speaking its wire format) queues a
// kb.reembed-all run that re-embeds everything with the new model, reports progress, removes the
// old model's vectors, and search then embeds queries with the new provider. The API key is
// sealed at rest and appears in no response, audit entry or job payload.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { sql } from 'kysely';
import type { Database } from '../../src/lib/server/db/connection';
import { buildBackground, type Background } from '../../src/lib/server/jobs/wiring';
import { keyRing } from '../../src/lib/server/email/secrets';
import { searchKb } from '../../src/lib/server/search/kb-search';
import { LOCAL_EMBEDDER_ID } from '../../src/lib/domain/search/hashing-embedder';
import { invalidateActiveEmbedder, setSearchKeyRing } from '../../src/lib/server/search/provider';
import { openFixtureDb, person, waitFor, type Person } from '../support/jobs-fixture';
import { insertArticles } from '../support/kb-fixture';
import { startEmbeddingsServer, scripted, type EmbeddingsServer } from '../support/embeddings-server';
import type { Backend } from '../support/backends';

const backends = inject('backends') as Backend[];
const KEY = 'sk-live-this-must-never-leak-0042';

describe.each(backends)('embedding jobs and provider switch on %s', (backend) => {
  let database: Database;
  let drop: () => Promise<void>;
  let bg: Background;
  let admin: Person;
  let agent: Person;
  let ids: Map<string, string>;
  let api: EmbeddingsServer;
  const count = async (model?: string) =>
    (await sql<{ n: number }>`select count(distinct article_id)::int as n from kb_embeddings where ${model ? sql`model = ${model}` : sql`true`}`.execute(database.db)).rows[0].n;

  beforeAll(async () => {
    ({ database, drop } = await openFixtureDb(backend));
    api = await startEmbeddingsServer({ apiKey: KEY });
    const ring = keyRing({ appSecret: 'test-secret-for-embeddings' });
    // The app sets the process's key ring at boot (search embeds queries with it); the
    // background is given it explicitly, as workers/ does.
    setSearchKeyRing(ring);
    bg = buildBackground(database.db, { work: true, pollingIntervalSeconds: 0.5, cron: false, secrets: ring });
    await bg.start();
    admin = await person(database, 'admin', 'Ada Admin');
    agent = await person(database, 'agent', 'Alan Agent');
  });
  afterAll(async () => {
    await bg?.stop();
    setSearchKeyRing(undefined);
    await api?.close();
    await drop?.();
  });

  it('kb.embed-article, enqueued in the transaction that publishes, embeds the article with the local model', async () => {
    await database.db.transaction().execute(async (trx) => {
      ids = await insertArticles(trx);
      for (const id of ids.values()) await bg.jobs.enqueue(trx, 'kb.embed-article', { articleId: id });
    });
    await waitFor('every article embedded', async () => (await count('outpost-local-hash-v1')) === ids.size, 60_000);
    expect(await count()).toBe(ids.size);
    await expect(bg.jobs.enqueue(database.db, 'kb.embed-article', { articleId: 'not-a-uuid' } as never)).rejects.toThrow(/articleId/);
  });

  it('only admins see or change the provider', async () => {
    await expect(bg.embeddings.view(agent.ctx)).rejects.toMatchObject({ status: 403 });
    await expect(bg.embeddings.update(agent.ctx, { provider: 'local' })).rejects.toMatchObject({ status: 403 });
  });

  it('"test provider" reports the endpoint’s own error, or the dimension it returned', async () => {
    const cfg = { provider: 'openai' as const, baseUrl: api.url, model: 'text-embedding-3-small', dimension: 384 as const, sendDimensions: true };
    const bad = await bg.embeddings.test(admin.ctx, { ...cfg, apiKey: 'sk-wrong' });
    expect(bad).toMatchObject({ ok: false, dimension: null });
    expect(bad.error).toMatch(/401: Incorrect API key/);
    const good = await bg.embeddings.test(admin.ctx, { ...cfg, apiKey: KEY });
    expect(good).toMatchObject({ ok: true, model: 'openai:text-embedding-3-small', dimension: 384 });
    // Testing stores nothing.
    expect((await bg.embeddings.view(admin.ctx)).provider).toBe('local');
  });

  it('switching to an OpenAI-compatible provider re-embeds every article with it, then search uses it', async () => {
    const before = api.requests.length;
    const view = await bg.embeddings.update(admin.ctx, { provider: 'openai', baseUrl: api.url + '/', model: 'text-embedding-3-small', dimension: 384, apiKey: KEY, sendDimensions: true });
    expect(view).toMatchObject({ provider: 'openai', baseUrl: api.url, model: 'text-embedding-3-small', hasApiKey: true, activeModel: 'openai:text-embedding-3-small' });
    expect(JSON.stringify(view)).not.toContain(KEY);
    expect(view.run).toMatchObject({ model: 'openai:text-embedding-3-small' });
    // One rate-limit answer on the way: the client retries it.
    api.script.push(scripted.rateLimited('0'));
    const run = await waitFor('the re-embed run to finish', async () => {
      const v = await bg.embeddings.view(admin.ctx);
      return v.run?.status === 'done' || v.run?.status === 'failed' ? v : null;
    }, 90_000);
    expect(run.run).toMatchObject({ status: 'done', total: ids.size, done: ids.size, failed: 0 });
    expect(run.embeddedArticles).toBe(ids.size);
    // The old model's vectors are gone; every vector is the new model's.
    expect(await count()).toBe(ids.size);
    expect(await count('openai:text-embedding-3-small')).toBe(ids.size);
    expect(api.requests.length).toBeGreaterThan(before);

    invalidateActiveEmbedder(database.db);
    const n = api.requests.length;
    const hits = await searchKb(database.db, { query: 'outlook keeps crashing', mode: 'semantic', limit: 3, audience: 'public' });
    expect(hits[0].slug).toBe('outlook-wont-start');
    expect(api.requests.length).toBe(n + 1);
    expect(api.requests.at(-1)!.body.input).toEqual(['outlook keeps crashing']);
  });

  it('the key is sealed at rest and is in no audit entry or job payload', async () => {
    const s = await sql<{ api_key_encrypted: string }>`select api_key_encrypted from kb_embedding_settings`.execute(database.db);
    expect(s.rows[0].api_key_encrypted).toMatch(/^v1:[0-9a-f]{12}:/);
    expect(s.rows[0].api_key_encrypted).not.toContain(KEY);
    const audit = await sql<{ t: string }>`select coalesce(before::text, '') || coalesce(after::text, '') as t from audit_logs where action like 'kb.embeddings.%'`.execute(database.db);
    expect(audit.rows.length).toBeGreaterThan(0);
    for (const r of audit.rows) expect(r.t).not.toContain(KEY);
    const jobs = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where data::text like ${'%' + KEY + '%'}`.execute(database.db);
    expect(jobs.rows[0].n).toBe(0);
  });

  it('an unreachable provider: hybrid search still answers with keyword results, semantic says 503', async () => {
    await bg.embeddings.update(admin.ctx, { provider: 'openai', baseUrl: 'http://127.0.0.1:9/v1', model: 'text-embedding-3-small', dimension: 384, sendDimensions: true });
    invalidateActiveEmbedder(database.db);
    const hits = await searchKb(database.db, { query: 'bitlocker recovery key', mode: 'hybrid', limit: 3, audience: 'public' });
    expect(hits[0].slug).toBe('bitlocker-recovery');
    await expect(searchKb(database.db, { query: 'bitlocker', mode: 'semantic', limit: 3, audience: 'public' })).rejects.toMatchObject({ status: 503 });
  }, 60_000);

  it('back to the local embedder: another run, local vectors only', async () => {
    const v = await bg.embeddings.update(admin.ctx, { provider: 'local' });
    expect(v.activeModel).toBe('outpost-local-hash-v1');
    await waitFor('the local re-embed run', async () => (await bg.embeddings.view(admin.ctx)).run?.status === 'done', 90_000);
    expect(await count('outpost-local-hash-v1')).toBe(ids.size);
    expect(await count()).toBe(ids.size);
    // "Re-embed all" on demand with nothing changed: every chunk is skipped, the run still completes.
    await bg.embeddings.startReembed(admin.ctx);
    const done = await waitFor('the on-demand run', async () => {
      const r = (await bg.embeddings.view(admin.ctx)).run;
      return r?.status === 'done' ? r : null;
    }, 90_000);
    expect(done).toMatchObject({ done: ids.size, failed: 0 });
  });

  it('a new version of the built-in embedder (its id changed with the code) is adopted at boot: every article re-embedded with it', async () => {
    // As after an upgrade: the stored model and the vectors are an earlier version's.
    const old = 'outpost-local-hash-v0';
    await sql`update kb_embedding_settings set active_model = ${old}`.execute(database.db);
    await sql`update kb_embeddings set model = ${old}`.execute(database.db);
    const runId = await bg.embeddings.adoptLocalModel();
    expect(runId).toBeTruthy();
    expect((await bg.embeddings.view(admin.ctx)).activeModel).toBe(LOCAL_EMBEDDER_ID);
    const run = await waitFor('the adoption run', async () => {
      const r = (await bg.embeddings.view(admin.ctx)).run;
      return r?.id === runId && (r.status === 'done' || r.status === 'failed') ? r : null;
    }, 90_000);
    expect(run).toMatchObject({ status: 'done', model: LOCAL_EMBEDDER_ID, done: ids.size, failed: 0 });
    expect(await count(LOCAL_EMBEDDER_ID)).toBe(ids.size);
    expect(await count()).toBe(ids.size);
    // Nothing to adopt the second time.
    expect(await bg.embeddings.adoptLocalModel()).toBeNull();
  });
});
