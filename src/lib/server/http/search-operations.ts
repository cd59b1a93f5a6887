// Operations of knowledge-base search and its embedding provider, spread into `ops` by
// operations.ts so they reach the OpenAPI document like every other operation.
import { op } from './route';
import { EmbeddingProviderUpdate, EmbeddingProviderView, EmbeddingTestResult, KbSearchQuery, KbSearchResult } from '$lib/domain/search/schemas';

const admin = { permission: 'settings.manage' } as const;

export const searchOps = {
  searchKb: op({
    id: 'searchKnowledgeBase',
    method: 'GET',
    path: '/api/v1/kb/search',
    summary:
      'Search the knowledge base. `mode`: `keyword` (full text, title over summary over body), `semantic` (vector similarity of the active embedding model) or `hybrid` (both, fused by reciprocal rank; default). ' +
      'End Users see published public articles; staff with kb.read.internal internal ones too; `includeUnpublished=true` (kb.write) adds drafts.',
    tags: ['kb'],
    auth: 'authenticated',
    query: KbSearchQuery,
    response: KbSearchResult,
    errors: [400, 401, 403, 503]
  }),
  getEmbeddingProvider: op({
    id: 'getEmbeddingProvider',
    method: 'GET',
    path: '/api/v1/admin/kb/embeddings',
    summary: 'The embedding provider, how many articles have vectors of the active model, and the latest re-embed run (never the API key)',
    tags: ['kb', 'admin'],
    auth: admin,
    response: EmbeddingProviderView
  }),
  updateEmbeddingProvider: op({
    id: 'updateEmbeddingProvider',
    method: 'PUT',
    path: '/api/v1/admin/kb/embeddings',
    summary: 'Choose the embedding provider (`local`, or an OpenAI-compatible `/v1/embeddings` endpoint with 384 dimensions). A new model re-embeds every article (a kb.reembed-all run); omit `apiKey` to keep the stored one',
    tags: ['kb', 'admin'],
    auth: admin,
    body: EmbeddingProviderUpdate,
    response: EmbeddingProviderView,
    errors: [400, 403]
  }),
  testEmbeddingProvider: op({
    id: 'testEmbeddingProvider',
    method: 'POST',
    path: '/api/v1/admin/kb/embeddings/test',
    summary: 'Embed a test sentence with the described provider (the stored key unless `apiKey` is sent); reports the endpoint’s own error',
    tags: ['kb', 'admin'],
    auth: admin,
    body: EmbeddingProviderUpdate,
    response: EmbeddingTestResult,
    errors: [400, 403]
  }),
  reembedAll: op({
    id: 'reembedKnowledgeBase',
    method: 'POST',
    path: '/api/v1/admin/kb/embeddings/reembed',
    summary: 'Re-embed every article with the active provider (progress in `run`)',
    tags: ['kb', 'admin'],
    auth: admin,
    status: 202,
    response: EmbeddingProviderView
  })
};
