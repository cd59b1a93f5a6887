// A local stand-in for Groq's chat-completions API on 127.0.0.1, speaking its wire format:
// POST /openai/v1/chat/completions as JSON or SSE (`data: {chunk}\n\n` … `data: [DONE]\n\n`), tool
// calls streamed as deltas split across chunks (index + id + name first, then argument
// fragments), `x_groq: { id, usage }` on the final chunk, error bodies
// `{"error":{"message","type","code"}}`, 429 with retry-after, and GET /openai/v1/models.
// Each test scripts the replies in order; every request is recorded (headers and body) with the
// time the fake itself spent on it (for the overhead bench).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ToolCallSpec {
  name: string;
  /** Sent as JSON text (or as-is when a string: malformed arguments are a test case). */
  args: unknown;
  id?: string;
}

export type Reply =
  | { kind: 'text'; text: string; usage?: Usage; chunkSize?: number; delayMs?: number; reasoning?: string }
  | { kind: 'tools'; calls: ToolCallSpec[]; text?: string; usage?: Usage; fragment?: number; delayMs?: number }
  | { kind: 'error'; status: number; message: string; type?: string; code?: string; headers?: Record<string, string> }
  | { kind: 'stream-error'; text: string; message: string }
  | { kind: 'hang' };

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface Recorded {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
  /** Time the fake spent on this request (body read → response end), excluding scripted delays. */
  serverMs: number;
}

const MODEL = 'openai/gpt-oss-20b';

export class FakeGroq {
  readonly requests: Recorded[] = [];
  readonly script: Reply[] = [];
  /** Reply used when the script is empty. */
  fallback: Reply | ((req: any) => Reply) | null = null;
  models = [MODEL, 'llama-3.1-8b-instant'];
  /** Keys accepted (Bearer); others get 401 like Groq. */
  keys = new Set<string>();
  #server: http.Server;
  #seq = 0;
  url = '';

  constructor() {
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
    this.#server.keepAliveTimeout = 1000;
  }

  static async start(keys: string[] = []): Promise<FakeGroq> {
    const f = new FakeGroq();
    for (const k of keys) f.keys.add(k);
    await new Promise<void>((r) => f.#server.listen(0, '127.0.0.1', r));
    f.url = `http://127.0.0.1:${(f.#server.address() as AddressInfo).port}`;
    return f;
  }

  push(...replies: Reply[]) {
    this.script.push(...replies);
    return this;
  }

  completions() {
    return this.requests.filter((r) => r.path === '/openai/v1/chat/completions');
  }

  async stop() {
    this.#server.closeAllConnections?.();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const t0 = performance.now();
    let waited = 0;
    const text = Buffer.concat(chunks).toString('utf8');
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    const rec: Recorded = { method: req.method ?? '', path: (req.url ?? '').split('?')[0], headers: req.headers, body, serverMs: 0 };
    this.requests.push(rec);
    const sleep = async (ms: number) => {
      if (!ms) return;
      const s = performance.now();
      await new Promise((r) => setTimeout(r, ms));
      waited += performance.now() - s;
    };
    const done = () => (rec.serverMs = performance.now() - t0 - waited);
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (this.keys.size && (!auth || !this.keys.has(auth))) {
      this.#error(res, { kind: 'error', status: 401, message: 'Invalid API Key', type: 'invalid_request_error', code: 'invalid_api_key' });
      return done();
    }
    if (req.method === 'GET' && rec.path === '/openai/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: this.models.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'Fake', active: true, context_window: 131072 })) }));
      return done();
    }
    if (req.method !== 'POST' || rec.path !== '/openai/v1/chat/completions') {
      this.#error(res, { kind: 'error', status: 404, message: 'Unknown request URL', type: 'invalid_request_error', code: 'unknown_url' });
      return done();
    }
    const next = this.script.shift() ?? (typeof this.fallback === 'function' ? this.fallback(body) : this.fallback);
    if (!next) {
      this.#error(res, { kind: 'error', status: 500, message: 'fake-groq: no scripted reply left', type: 'internal_server_error' });
      return done();
    }
    if (next.kind === 'error') {
      this.#error(res, next);
      return done();
    }
    if (next.kind === 'hang') {
      req.socket.once('close', done);
      return; // never answers: the client's timeout must act
    }
    const id = `chatcmpl-${(++this.#seq).toString(16).padStart(8, '0')}`;
    const xid = `req_${this.#seq.toString(36)}fake`;
    const created = Math.floor(Date.now() / 1000);
    const usageOf = (u: Usage | undefined, completionGuess: number) => {
      const p = u?.prompt_tokens ?? 100;
      const c = u?.completion_tokens ?? completionGuess;
      return { queue_time: 0.01, prompt_tokens: p, prompt_time: 0.001, completion_tokens: c, completion_time: 0.01, total_tokens: p + c, total_time: 0.011 };
    };
    const toolCalls = next.kind === 'tools' ? next.calls.map((c, i) => ({ index: i, id: c.id ?? `fc_${this.#seq}_${i}`, name: c.name, args: typeof c.args === 'string' ? c.args : JSON.stringify(c.args) })) : [];
    const content = next.kind === 'text' || next.kind === 'stream-error' ? next.text : (next.text ?? '');

    if (!body?.stream) {
      const message: any = { role: 'assistant', content: content || null };
      if (toolCalls.length) message.tool_calls = toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } }));
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': xid });
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model: body?.model ?? MODEL,
          choices: [{ index: 0, message, logprobs: null, finish_reason: toolCalls.length ? 'tool_calls' : 'stop' }],
          usage: usageOf(next.kind === 'stream-error' ? undefined : next.usage, 20),
          system_fingerprint: 'fp_fake',
          x_groq: { id: xid }
        })
      );
      return done();
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-request-id': xid });
    const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model ?? MODEL, system_fingerprint: 'fp_fake', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`;
    const write = async (s: string, delay = 0) => {
      res.write(s);
      await sleep(delay);
    };
    const delay = 'delayMs' in next ? (next.delayMs ?? 0) : 0;
    await write(chunk({ role: 'assistant', content: '' }, null, { x_groq: { id: xid } }), delay);
    if (next.kind === 'text' && next.reasoning) await write(chunk({ reasoning: next.reasoning }), delay);
    const size = next.kind === 'text' ? (next.chunkSize ?? 7) : 7;
    for (let i = 0; i < content.length; i += size) await write(chunk({ content: content.slice(i, i + size) }), delay);
    if (next.kind === 'stream-error') {
      res.end(`data: ${JSON.stringify({ error: { message: next.message, type: 'internal_server_error' } })}\n\n`);
      return done();
    }
    for (const c of toolCalls) {
      // id, type and name first with empty arguments, then the arguments in fragments.
      await write(chunk({ tool_calls: [{ index: c.index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }), delay);
      const frag = next.kind === 'tools' ? (next.fragment ?? 5) : 5;
      for (let i = 0; i < c.args.length; i += frag) await write(chunk({ tool_calls: [{ index: c.index, function: { arguments: c.args.slice(i, i + frag) } }] }), delay);
    }
    const usage = usageOf(next.usage, Math.max(1, Math.ceil(content.length / 4)) + toolCalls.length * 10);
    await write(chunk({}, toolCalls.length ? 'tool_calls' : 'stop', { x_groq: { id: xid, usage } }));
    res.end('data: [DONE]\n\n');
    done();
  }

  #error(res: http.ServerResponse, e: Extract<Reply, { kind: 'error' }>) {
    res.writeHead(e.status, { 'content-type': 'application/json', ...(e.headers ?? {}) });
    res.end(JSON.stringify({ error: { message: e.message, type: e.type ?? 'invalid_request_error', ...(e.code ? { code: e.code } : {}) } }));
  }
}

/** Groq's 429 as it sends it (retry-after in seconds). */
export const rateLimited = (retryAfterSeconds: number): Reply => ({
  kind: 'error',
  status: 429,
  message: `Rate limit reached for model \`${MODEL}\` in organization \`org_fake\` service tier \`on_demand\` on tokens per minute (TPM): Limit 8000, Used 7990, Requested 500. Please try again in ${retryAfterSeconds}s.`,
  type: 'tokens',
  code: 'rate_limit_exceeded',
  headers: { 'retry-after': String(retryAfterSeconds) }
});
