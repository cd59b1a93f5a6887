// Turns an operation (method, path, auth, zod schemas) into a SvelteKit request handler:
// authenticate → authorise → parse params/query/body with the operation's schemas → call the
// service → JSON. The same operation objects generate the OpenAPI document.
import type { RequestEvent } from '@sveltejs/kit';
import { z } from 'zod';
import { AppError, isAppError, type FieldIssue } from '$lib/domain/common/errors';
import { can, type Actor, type Permission } from '$lib/domain/auth/permissions';
import type { RequestContext } from '../context';
import { config } from '../config';
import { log } from '../log';

export type Auth = 'public' | 'authenticated' | { permission: Permission };

export interface Operation<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType
> {
  id: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  summary: string;
  tags: string[];
  auth: Auth;
  params?: P;
  query?: Q;
  body?: B;
  response?: R;
  status?: number;
  errors?: number[];
  /** Request headers the operation reads (documented as header parameters; the route parses them). */
  headers?: z.ZodType;
  /** A non-JSON request body the route streams itself (e.g. a file upload). */
  rawBody?: { contentType: string; description: string };
  /** A non-JSON success response (e.g. a file download). */
  rawResponse?: { contentType: string; description: string };
}

export function op<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(o: Operation<P, Q, B, R>) {
  return o;
}

type Infer<T> = [NonNullable<T>] extends [z.ZodType] ? z.output<NonNullable<T>> : undefined;

export interface HandlerArgs<O extends Operation> {
  event: RequestEvent;
  ctx: RequestContext;
  actor: Actor | null;
  params: Infer<O['params']>;
  query: Infer<O['query']>;
  body: Infer<O['body']>;
}

const fieldsOf = (error: z.ZodError, prefix?: string): FieldIssue[] =>
  error.issues.map((i) => ({
    field: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || prefix || 'body',
    message: i.message
  }));

export function validationError(error: z.ZodError, prefix?: string): AppError {
  const fields = fieldsOf(error, prefix);
  return new AppError('validation', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
}

/** Reads a JSON body up to the configured limit; 415 for other types, 413 when too large, 400 when malformed. */
export async function readJson(request: Request, limit = config().OUTPOST_JSON_LIMIT): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
    throw new AppError('unsupported_media_type', 'Send the body as application/json');
  }
  const text = (await readLimitedBody(request, limit, 'Body')).toString('utf8');
  if (!text.trim()) throw new AppError('invalid_json', 'body: is empty; send a JSON object', { fields: [{ field: 'body', message: 'is empty' }] });
  try {
    return JSON.parse(text);
  } catch (e) {
    const detail = e instanceof Error ? e.message : 'malformed';
    throw new AppError('invalid_json', `body: is not valid JSON (${detail})`, { fields: [{ field: 'body', message: `is not valid JSON (${detail})` }] });
  }
}

function queryObject(url: URL) {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export function errorResponse(err: unknown, requestId?: string): Response {
  if (isAppError(err)) {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
    if (err.details.retryAfterSeconds) headers['retry-after'] = String(err.details.retryAfterSeconds);
    // The rest of an oversized body was not read: the connection cannot be reused.
    if (err.code === 'payload_too_large') headers.connection = 'close';
    if (err.status === 401) headers['www-authenticate'] = `Bearer realm="outpost"${err.code === 'token_expired' ? ', error="invalid_token", error_description="expired"' : ''}`;
    return new Response(JSON.stringify(err.toJSON()), { status: err.status, headers });
  }
  log.error('unhandled error', { requestId, error: err });
  return new Response(JSON.stringify({ error: { code: 'internal', message: 'Something went wrong on our side', requestId } }), {
    status: 500,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }
  });
}

export function contextFor(event: RequestEvent, actor: Actor): RequestContext {
  return {
    actor,
    source: actor.via === 'cookie' ? 'web' : 'api',
    ip: event.locals.clientIp,
    userAgent: event.request.headers.get('user-agent'),
    requestId: event.locals.requestId
  };
}

export function requireActor(event: RequestEvent): Actor {
  const actor = event.locals.actor;
  if (actor) return actor;
  if (event.locals.authError === 'token_expired') throw new AppError('token_expired', 'Access token expired; refresh the session');
  throw new AppError('unauthenticated', 'Sign in first');
}

export function handle<O extends Operation>(operation: O, impl: (args: HandlerArgs<O>) => Promise<unknown> | unknown) {
  return async (event: RequestEvent): Promise<Response> => {
    try {
      let actor: Actor | null = event.locals.actor ?? null;
      if (operation.auth !== 'public') {
        actor = requireActor(event);
        if (typeof operation.auth === 'object' && !can(actor, operation.auth.permission)) {
          throw new AppError('forbidden', `You need the ${operation.auth.permission} permission`);
        }
      }
      const parse = <S extends z.ZodType | undefined>(schema: S, value: unknown, prefix?: string) => {
        if (!schema) return undefined;
        const r = schema.safeParse(value);
        if (!r.success) throw validationError(r.error, prefix);
        return r.data;
      };
      const params = parse(operation.params, event.params);
      const query = parse(operation.query, queryObject(event.url));
      const body = operation.body ? parse(operation.body, await readJson(event.request)) : undefined;
      const ctx = actor ? contextFor(event, actor) : (undefined as unknown as RequestContext);
      const result = await impl({ event, ctx, actor, params, query, body } as HandlerArgs<O>);
      if (result instanceof Response) return result;
      const status = operation.status ?? 200;
      if (status === 204 || result === undefined) return new Response(null, { status: status === 200 ? 204 : status, headers: { 'cache-control': 'no-store' } });
      return new Response(JSON.stringify(result), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
    } catch (err) {
      return errorResponse(err, event.locals.requestId);
    }
  };
}

/**
 * How much of a refused body is still read (and dropped) before the 413 is sent, and for how long:
 * a client still writing its body when the server answers and closes gets a reset (EPIPE) instead of
 * the 413, so a moderately oversized body is drained first (a lingering close, as nginx does). Past
 * either bound the connection is closed at once.
 */
const DRAIN_BYTES = 16 * 1024 * 1024;
const DRAIN_MS = 2_000;

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, already: number): Promise<void> {
  let size = already;
  const deadline = Date.now() + DRAIN_MS;
  try {
    while (size <= DRAIN_BYTES && Date.now() < deadline) {
      const { done, value } = await reader.read();
      if (done) return;
      size += value.byteLength;
    }
  } catch {
    return;
  }
  await reader.cancel().catch(() => {});
}

/** The request body as bytes, refused with 413 past `limit` (checked while streaming, not after). */
export async function readLimitedBody(request: Request, limit: number, what = 'Body'): Promise<Buffer> {
  const tooLarge = () => new AppError('payload_too_large', `${what} is larger than ${limit} bytes`, { limitBytes: limit });
  const declared = Number(request.headers.get('content-length') ?? NaN);
  const reader = request.body?.getReader();
  if (declared > limit) {
    if (reader) await (declared <= DRAIN_BYTES ? drain(reader, 0) : reader.cancel().catch(() => {}));
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        chunks.length = 0;
        await drain(reader, size);
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks);
}
