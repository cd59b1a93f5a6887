// The OpenAI-compatible embeddings client against a local server speaking the same wire format.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { OpenAiEmbedder, EmbeddingProviderError } from './openai-embedder';
import { hashEmbed } from '$lib/domain/search/hashing-embedder';
import { startEmbeddingsServer, scripted, type EmbeddingsServer } from '../../../../tests/support/embeddings-server';

const KEY = 'sk-test-0123456789abcdef';
let srv: EmbeddingsServer;
beforeAll(async () => {
  srv = await startEmbeddingsServer({ apiKey: KEY });
});
afterAll(() => srv.close());
beforeEach(() => {
  srv.requests.length = 0;
  srv.script.length = 0;
});

const client = (o: Partial<ConstructorParameters<typeof OpenAiEmbedder>[0]> = {}) =>
  new OpenAiEmbedder({ baseUrl: srv.url, model: 'text-embedding-3-small', dimension: 384, apiKey: KEY, maxRetryDelayMs: 50, ...o });

describe('OpenAI-compatible embeddings client', () => {
  it('sends the wire format, places vectors by index, batches inputs', async () => {
    const texts = Array.from({ length: 5 }, (_, i) => `text number ${i} about printers`);
    const out = await client({ batchSize: 2 }).embed(texts);
    expect(out.map((v) => Array.from(v))).toEqual(texts.map((t) => Array.from(hashEmbed(t))));
    expect(srv.requests.map((r) => r.body.input.length)).toEqual([2, 2, 1]);
    expect(srv.requests[0]).toMatchObject({ path: '/v1/embeddings', authorization: `Bearer ${KEY}`, body: { model: 'text-embedding-3-small', encoding_format: 'float', dimensions: 384 } });
  });

  it('leaves `dimensions` out when asked (models with a fixed size refuse it)', async () => {
    await client({ sendDimensions: false }).embed(['x']);
    expect(srv.requests[0].body).not.toHaveProperty('dimensions');
  });

  it('retries 429 (honouring Retry-After) and 5xx, then succeeds', async () => {
    srv.script.push(scripted.rateLimited('0'), scripted.serverError(), scripted.rateLimited('0.01'));
    const [v] = await client().embed(['vpn']);
    expect(v.length).toBe(384);
    expect(srv.requests.length).toBe(4);
  });

  it('gives up after maxRetries with the provider’s message', async () => {
    srv.script.push(...Array.from({ length: 5 }, () => scripted.rateLimited('0')));
    const e = await client({ maxRetries: 2 }).embed(['vpn']).catch((x) => x);
    expect(e).toBeInstanceOf(EmbeddingProviderError);
    expect(e.status).toBe(429);
    expect(e.message).toMatch(/429: Rate limit reached/);
    expect(srv.requests.length).toBe(3);
  });

  it('does not retry a bad key, and never puts the key in the error', async () => {
    const e = await client({ apiKey: 'sk-wrong-key-42' }).embed(['vpn']).catch((x) => x);
    expect(e).toMatchObject({ status: 401, retryable: false });
    expect(e.message).toMatch(/Incorrect API key/);
    expect(e.message).not.toContain('sk-wrong-key-42');
    expect(srv.requests.length).toBe(1);
  });

  it('refuses vectors of the wrong dimension', async () => {
    srv.nativeDimension = 768;
    try {
      const e = await client({ sendDimensions: false }).embed(['vpn']).catch((x) => x);
      expect(e.message).toMatch(/returned 768 dimensions; 384 are required/);
    } finally {
      srv.nativeDimension = 384;
    }
  });

  it('reports an unreachable endpoint after retries', async () => {
    const e = await client({ baseUrl: 'http://127.0.0.1:9/v1', maxRetries: 1 }).embed(['vpn']).catch((x) => x);
    expect(e).toBeInstanceOf(EmbeddingProviderError);
    expect(e.message).toMatch(/embeddings request failed/);
  });

  it('the model id names the model, so vectors of different models are never mixed', () => {
    expect(client().id).toBe('openai:text-embedding-3-small');
  });
});
