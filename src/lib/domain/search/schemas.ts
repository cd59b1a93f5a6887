// Knowledge-base search and the embedding provider: the shapes that cross the HTTP edge.
import { z } from 'zod';
import { LOCAL_EMBEDDER_DIMENSION } from './hashing-embedder';

export const SEARCH_MODES = ['hybrid', 'keyword', 'semantic'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

const flag = z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean());

export const KbSearchQuery = z
  .object({
    q: z.string().trim().min(1, 'enter something to search for').max(500),
    mode: z.enum(SEARCH_MODES).default('hybrid'),
    limit: z.coerce.number().int().min(1).max(50).default(10),
    includeUnpublished: flag.optional()
  })
  .strict();

export const KbSearchHit = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    title: z.string(),
    summary: z.string().nullable(),
    score: z.number(),
    highlights: z.array(z.string()).optional()
  })
  .meta({ id: 'KbSearchHit' });
export type KbSearchHitView = z.infer<typeof KbSearchHit>;

export const KbSearchResult = z.object({ items: z.array(KbSearchHit), mode: z.enum(SEARCH_MODES), model: z.string().nullable() }).meta({ id: 'KbSearchResult' });

/**
 * The vector column is vector(384) with one HNSW index (migration 0002). We keep that: one
 * index over one fixed dimension stays simple and fast, and 384 is what the local embedder, the
 * common small neural models (all-MiniLM-L6-v2, bge-small, e5-small) and OpenAI's
 * text-embedding-3 models (with `dimensions: 384`) produce. A provider must therefore return 384.
 */
export const EMBEDDING_DIMENSION = LOCAL_EMBEDDER_DIMENSION;

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://api.openai.com/v1' })
  .max(500)
  .transform((u) => u.replace(/\/+$/, ''));

export const EmbeddingProviderUpdate = z
  .discriminatedUnion('provider', [
    z.object({ provider: z.literal('local') }).strict(),
    z
      .object({
        provider: z.literal('openai'),
        baseUrl: httpUrl,
        model: z.string().trim().min(1).max(200),
        dimension: z.literal(EMBEDDING_DIMENSION, { error: `must be ${EMBEDDING_DIMENSION} (the size of the vector column)` }),
        /** Omitted: keep the stored key. Empty string: remove it (endpoints without auth). */
        apiKey: z.string().max(4000).optional(),
        /** Send `dimensions` in the request (OpenAI text-embedding-3 models shorten to 384 with it). */
        sendDimensions: z.boolean().default(true)
      })
      .strict()
  ]);
export type EmbeddingProviderUpdate = z.infer<typeof EmbeddingProviderUpdate>;

export const EmbeddingRunView = z
  .object({
    id: z.uuid(),
    model: z.string(),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    total: z.number(),
    done: z.number(),
    failed: z.number(),
    error: z.string().nullable(),
    startedAt: z.iso.datetime().nullable(),
    finishedAt: z.iso.datetime().nullable()
  })
  .meta({ id: 'EmbeddingRun' });

export const EmbeddingProviderView = z
  .object({
    provider: z.enum(['local', 'openai']),
    baseUrl: z.string().nullable(),
    model: z.string().nullable(),
    dimension: z.number(),
    sendDimensions: z.boolean(),
    /** Whether a key is stored (the key itself never leaves the server). */
    hasApiKey: z.boolean(),
    /** The model id whose vectors search uses (kb_embeddings.model). */
    activeModel: z.string(),
    articles: z.number(),
    embeddedArticles: z.number(),
    run: EmbeddingRunView.nullable()
  })
  .meta({ id: 'EmbeddingProvider' });

export const EmbeddingTestResult = z
  .object({ ok: z.boolean(), model: z.string(), dimension: z.number().nullable(), ms: z.number(), error: z.string().optional() })
  .meta({ id: 'EmbeddingTestResult' });
