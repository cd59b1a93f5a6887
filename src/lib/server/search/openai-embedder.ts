// Any OpenAI-compatible embeddings endpoint (OpenAI, Azure-style gateways, Ollama, vLLM, LM
// Studio, text-embeddings-inference …): POST {baseUrl}/embeddings with
// `{ model, input: [...], encoding_format: "float", dimensions? }`, answer
// `{ object: "list", data: [{ object: "embedding", index, embedding: [...] }], model, usage }`.
// 429 and 5xx are retried (Retry-After honoured, otherwise exponential backoff); other errors
// carry the provider's own message. The API key goes in the Authorization header only: it is
// never logged and never part of an error message.
import type { Embedder } from './embedder';

export interface OpenAiEmbedderOptions {
  baseUrl: string;
  model: string;
  dimension: number;
  apiKey?: string | null;
  /** Send `dimensions` (text-embedding-3 models shorten their output to it). */
  sendDimensions?: boolean;
  /** Inputs per request. */
  batchSize?: number;
  maxRetries?: number;
  timeoutMs?: number;
  /** Longest wait between retries (a huge Retry-After is capped, not obeyed). */
  maxRetryDelayMs?: number;
  fetch?: typeof fetch;
}

export class EmbeddingProviderError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean
  ) {
    super(message);
    this.name = 'EmbeddingProviderError';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function openAiEmbedderId(model: string) {
  return `openai:${model}`;
}

export class OpenAiEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;
  readonly #o: Required<Omit<OpenAiEmbedderOptions, 'apiKey'>> & { apiKey: string | null };

  constructor(o: OpenAiEmbedderOptions) {
    this.id = openAiEmbedderId(o.model);
    this.dimension = o.dimension;
    this.#o = {
      baseUrl: o.baseUrl.replace(/\/+$/, ''),
      model: o.model,
      dimension: o.dimension,
      apiKey: o.apiKey || null,
      sendDimensions: o.sendDimensions ?? true,
      batchSize: o.batchSize ?? 64,
      maxRetries: o.maxRetries ?? 4,
      timeoutMs: o.timeoutMs ?? 30_000,
      maxRetryDelayMs: o.maxRetryDelayMs ?? 20_000,
      fetch: o.fetch ?? fetch
    };
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.#o.batchSize) out.push(...(await this.#batch(texts.slice(i, i + this.#o.batchSize))));
    return out;
  }

  async #batch(input: string[]): Promise<Float32Array[]> {
    if (!input.length) return [];
    const body: Record<string, unknown> = { model: this.#o.model, input, encoding_format: 'float' };
    if (this.#o.sendDimensions) body.dimensions = this.#o.dimension;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#request(body, input.length);
      } catch (e) {
        const err = e instanceof EmbeddingProviderError ? e : new EmbeddingProviderError(`embeddings request failed: ${(e as Error).message}`, null, true);
        if (!err.retryable || attempt >= this.#o.maxRetries) throw err;
        const wait = (err as EmbeddingProviderError & { retryAfterMs?: number }).retryAfterMs ?? Math.min(250 * 2 ** attempt, 8000) * (0.75 + Math.random() / 2);
        await sleep(Math.min(wait, this.#o.maxRetryDelayMs));
      }
    }
  }

  async #request(body: Record<string, unknown>, n: number): Promise<Float32Array[]> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.#o.apiKey) headers.authorization = `Bearer ${this.#o.apiKey}`;
    const res = await this.#o.fetch(`${this.#o.baseUrl}/embeddings`, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(this.#o.timeoutMs) });
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 300);
      try {
        const j = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
        message = (typeof j.error === 'string' ? j.error : j.error?.message) ?? j.message ?? message;
      } catch {
        /* not JSON: keep the text */
      }
      const retryable = res.status === 429 || res.status >= 500;
      const err = new EmbeddingProviderError(`embeddings endpoint answered ${res.status}: ${message}`, res.status, retryable) as EmbeddingProviderError & { retryAfterMs?: number };
      const ra = res.headers.get('retry-after');
      if (ra !== null) {
        const s = Number(ra);
        err.retryAfterMs = Number.isFinite(s) ? Math.max(0, s * 1000) : Math.max(0, Date.parse(ra) - Date.now()) || undefined;
      }
      throw err;
    }
    let j: { data?: { index?: number; embedding?: unknown }[] };
    try {
      j = JSON.parse(text);
    } catch {
      throw new EmbeddingProviderError('embeddings endpoint answered with something that is not JSON', res.status, false);
    }
    if (!Array.isArray(j.data) || j.data.length !== n) throw new EmbeddingProviderError(`embeddings endpoint returned ${Array.isArray(j.data) ? j.data.length : 'no'} embeddings for ${n} inputs`, res.status, false);
    const out: Float32Array[] = new Array(n);
    j.data.forEach((d, pos) => {
      const i = typeof d.index === 'number' ? d.index : pos;
      if (!Array.isArray(d.embedding)) throw new EmbeddingProviderError('embeddings endpoint returned an embedding that is not a float array (base64 is not supported)', res.status, false);
      if (d.embedding.length !== this.dimension) throw new EmbeddingProviderError(`model ${this.#o.model} returned ${d.embedding.length} dimensions; ${this.dimension} are required`, res.status, false);
      if (i < 0 || i >= n || out[i]) throw new EmbeddingProviderError(`embeddings endpoint returned a bad index ${i}`, res.status, false);
      out[i] = Float32Array.from(d.embedding as number[]);
    });
    return out;
  }
}
