// The search REST operation and the embedding admin API on the real server (node server.js), on
// PGlite and PostgreSQL, with the demo knowledge base: "re-embed all" embeds every article
// through the pg-boss job, GET /api/v1/kb/search answers in the three modes with what the caller
// may see, bad input is a 400 naming the field, and switching to an OpenAI-compatible endpoint
// (a local server speaking its wire format) works end to end without the key ever coming back.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, type RunningServer } from '../support/server';
import { startEmbeddingsServer, type EmbeddingsServer } from '../support/embeddings-server';
import type { Backend } from '../support/backends';

const backends = inject('backends') as Backend[];
const KEY = 'sk-api-test-key-never-returned-7';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends)('search API on %s', (backend) => {
  let srv: RunningServer;
  let admin: Client;
  let endUser: Client;
  let api: EmbeddingsServer;
  const search = (c: Client, qs: string) => c.get(`/api/v1/kb/search?${qs}`);
  const waitRun = async () => {
    for (let i = 0; i < 600; i++) {
      const v = (await admin.get('/api/v1/admin/kb/embeddings')).json;
      if (v.run && (v.run.status === 'done' || v.run.status === 'failed')) return v;
      await sleep(250);
    }
    throw new Error('re-embed run did not finish');
  };

  beforeAll(async () => {
    api = await startEmbeddingsServer({ apiKey: KEY });
    srv = await startServer(backend, { OUTPOST_DEMO: '1', OUTPOST_JOBS_POLL_SECONDS: '0.5' });
    admin = new Client(srv.url);
    await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const pw = 'a long end user passphrase 2026';
    const r = await admin.post('/api/v1/admin/users', { email: 'eve.enduser@example.test', name: 'Eve End User', roles: ['end_user'], password: pw });
    expect(r.status, r.text).toBe(201);
    endUser = new Client(srv.url);
    await endUser.login('eve.enduser@example.test', pw);
  });
  afterAll(async () => {
    await srv?.stop();
    await api?.close();
  });

  it('"re-embed all" embeds every demo article with the local model, with progress', async () => {
    const r = await admin.post('/api/v1/admin/kb/embeddings/reembed');
    expect(r.status, r.text).toBe(202);
    expect(r.json.run).toMatchObject({ model: 'outpost-local-hash-v1' });
    const v = await waitRun();
    expect(v.run).toMatchObject({ status: 'done', failed: 0 });
    expect(v.run.done).toBe(v.articles);
    expect(v.embeddedArticles).toBe(v.articles);
    expect(v.articles).toBeGreaterThan(10);
  });

  it('keyword, semantic (with a typo) and hybrid find the article', async () => {
    const k = await search(admin, 'q=reset+password&mode=keyword&limit=3');
    expect(k.status, k.text).toBe(200);
    expect(k.json).toMatchObject({ mode: 'keyword', model: null });
    expect(k.json.items[0]).toMatchObject({ slug: 'reset-your-password' });
    const s = await search(admin, 'q=pasword+resett&mode=semantic&limit=3');
    expect(s.json.model).toBe('outpost-local-hash-v1');
    expect(s.json.items.map((i: any) => i.slug)).toContain('reset-your-password');
    const h = await search(endUser, `q=${encodeURIComponent('my vpn will not connect')}`);
    expect(h.json.mode).toBe('hybrid');
    expect(h.json.items.length).toBeGreaterThan(0);
    expect(h.json.items.slice(0, 3).map((i: any) => i.slug)).toContain('connect-to-the-vpn');
  });

  it('End Users see published public articles only; staff see internal runbooks; drafts need kb.write', async () => {
    const q = `q=${encodeURIComponent('runbook verifying identity before a password reset')}&limit=20`;
    expect((await search(admin, q)).json.items.map((i: any) => i.slug)).toContain('runbook-identity-verification');
    expect((await search(endUser, q)).json.items.map((i: any) => i.slug)).not.toContain('runbook-identity-verification');
    const drafts = await search(endUser, 'q=printer&includeUnpublished=true');
    expect(drafts.status).toBe(403);
    expect(drafts.json.error.fields).toEqual([{ field: 'includeUnpublished', message: 'needs the kb.write permission' }]);
    expect((await search(admin, 'q=printer&includeUnpublished=true')).status).toBe(200);
  });

  it('bad input is a 400 naming the field; no session is a 401', async () => {
    for (const [qs, field] of [
      ['mode=hybrid', 'q'],
      ['q=vpn&mode=fuzzy', 'mode'],
      ['q=vpn&limit=500', 'limit'],
      ['q=vpn&sort=1', 'query']
    ] as const) {
      const r = await search(admin, qs);
      expect(r.status, qs).toBe(400);
      expect(JSON.stringify(r.json.error.fields)).toContain(field === 'query' ? 'sort' : `"${field}`);
    }
    expect((await new Client(srv.url).get('/api/v1/kb/search?q=vpn')).status).toBe(401);
    expect((await endUser.get('/api/v1/admin/kb/embeddings')).status).toBe(403);
  });

  it('the operations are in the OpenAPI document', async () => {
    const doc = (await admin.get('/api/v1/openapi.json')).json;
    expect(doc.paths['/api/v1/kb/search'].get.operationId).toBe('searchKnowledgeBase');
    expect(doc.paths['/api/v1/admin/kb/embeddings'].put.operationId).toBe('updateEmbeddingProvider');
  });

  it('an OpenAI-compatible provider: test, save (key sealed, never returned), re-embed, search through it', async () => {
    const cfg = { provider: 'openai', baseUrl: api.url, model: 'text-embedding-3-small', dimension: 384 };
    const bad = await admin.request('PUT', '/api/v1/admin/kb/embeddings', { ...cfg, dimension: 1536 });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields[0].field).toBe('dimension');
    const t = await admin.request('POST', '/api/v1/admin/kb/embeddings/test', { ...cfg, apiKey: KEY });
    expect(t.json).toMatchObject({ ok: true, dimension: 384 });
    const saved = await admin.request('PUT', '/api/v1/admin/kb/embeddings', { ...cfg, apiKey: KEY });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.text).not.toContain(KEY);
    expect(saved.json).toMatchObject({ hasApiKey: true, activeModel: 'openai:text-embedding-3-small' });
    const v = await waitRun();
    expect(v.run).toMatchObject({ status: 'done', model: 'openai:text-embedding-3-small', failed: 0 });
    expect(JSON.stringify(v)).not.toContain(KEY);
    expect(api.requests.every((r) => r.authorization === `Bearer ${KEY}`)).toBe(true);
    // The cache of the active provider lives ~2 s per process.
    await sleep(2100);
    const n = api.requests.length;
    const s = await search(admin, 'q=outlook+keeps+crashing&mode=semantic&limit=3');
    expect(s.json.model).toBe('openai:text-embedding-3-small');
    expect(s.json.items.length).toBeGreaterThan(0);
    expect(api.requests.length).toBe(n + 1);
    expect(srv.logs.join('')).not.toContain(KEY);
    // Back to the built-in embedder.
    expect((await admin.request('PUT', '/api/v1/admin/kb/embeddings', { provider: 'local' })).json.activeModel).toBe('outpost-local-hash-v1');
    expect((await waitRun()).run).toMatchObject({ status: 'done', model: 'outpost-local-hash-v1' });
  });
});
