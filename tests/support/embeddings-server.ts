// A local stand-in for a paid embeddings API: an HTTP server on 127.0.0.1 that speaks the
// OpenAI `/v1/embeddings` wire format (request `{ model, input, encoding_format, dimensions }`,
// answer `{ object: "list", data: [{ object: "embedding", index, embedding }], model, usage }`,
// errors as `{ error: { message, type, param, code } }`). Vectors are the local hashing
// embedder's (so search with them is meaningful), shown in scrambled order by index, and tests
// can script failures (429 with Retry-After, 500, 401, a wrong dimension) for the next requests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashEmbed } from '../../src/lib/domain/search/hashing-embedder';

export interface Scripted {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface EmbeddingsServer {
  url: string;
  requests: { path: string; authorization?: string; body: any }[];
  /** Responses served (in order) before normal ones. */
  script: Scripted[];
  /** Dimension returned when the request has no `dimensions`. */
  nativeDimension: number;
  apiKey: string | null;
  close(): Promise<void>;
}

const err = (status: number, message: string, type: string, code: string | null = null): Scripted => ({ status, body: { error: { message, type, param: null, code } } });
export const scripted = {
  rateLimited: (retryAfter = '0'): Scripted => ({ ...err(429, 'Rate limit reached for requests', 'requests', 'rate_limit_exceeded'), headers: { 'retry-after': retryAfter } }),
  serverError: (): Scripted => err(500, 'The server had an error while processing your request.', 'server_error'),
  badKey: (): Scripted => err(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key')
};

export async function startEmbeddingsServer(opts: { apiKey?: string | null; nativeDimension?: number } = {}): Promise<EmbeddingsServer> {
  const state: EmbeddingsServer = { url: '', requests: [], script: [], nativeDimension: opts.nativeDimension ?? 384, apiKey: opts.apiKey ?? null, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(400, { error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error', param: null, code: null } });
      }
      state.requests.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') return send(404, { error: { message: `Invalid URL (${req.method} ${req.url})`, type: 'invalid_request_error', param: null, code: null } });
      if (state.apiKey && req.headers.authorization !== `Bearer ${state.apiKey}`) return send(401, scripted.badKey().body);
      const next = state.script.shift();
      if (next) return send(next.status, next.body, next.headers);
      const input: string[] = typeof body.input === 'string' ? [body.input] : body.input;
      if (!Array.isArray(input) || !body.model) return send(400, { error: { message: "'input' and 'model' are required", type: 'invalid_request_error', param: 'input', code: null } });
      const dim = body.dimensions ?? state.nativeDimension;
      const data = input.map((text, index) => ({ object: 'embedding', index, embedding: Array.from(hashEmbed(String(text), dim)) }));
      // Reversed: clients must place vectors by `index`, not by position.
      const tokens = input.reduce((s, t) => s + Math.ceil(String(t).length / 4), 0);
      send(200, { object: 'list', data: data.reverse(), model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () => new Promise<void>((r) => server.close(() => r()));
  return state;
}
