// OpenAPI 3.1 document generated from the operation list and their zod schemas.
import { z } from 'zod';
import type { Operation } from './route';

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input; `error.fields` names each bad field',
  401: 'Not signed in, or the access token expired (`error.code` = `token_expired`)',
  403: 'Signed in but not allowed, or a cross-site request (`csrf`)',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'Body too large',
  415: 'Body must be application/json (file uploads: the content is of a type that may not be uploaded; `error.detectedType` names it)',
  423: 'Account locked after repeated failures',
  429: 'Too many requests; see Retry-After'
};

const schemaOf = (s: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;

export function buildOpenApi(operations: Operation[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const o of operations) {
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', o.params],
      ['query', o.query],
      ['header', o.headers]
    ] as const) {
      if (!schema) continue;
      const js = schemaOf(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(js.properties ?? {})) {
        parameters.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: s });
      }
    }
    const status = String(o.status ?? 200);
    const responses: Record<string, unknown> = {
      [status]: o.rawResponse
        ? { description: o.rawResponse.description, content: { [o.rawResponse.contentType]: { schema: { type: 'string', format: 'binary' } } } }
        : o.response
          ? { description: 'OK', content: { 'application/json': { schema: schemaOf(o.response, 'output') } } }
          : { description: 'OK' }
    };
    const errs = new Set([...(o.errors ?? []), ...(o.body ? [400, 413, 415] : []), ...(o.auth === 'public' ? [] : [401]), ...(typeof o.auth === 'object' ? [403] : [])]);
    for (const code of errs) responses[String(code)] = { description: ERROR_TEXT[code] ?? 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    (paths[o.path] ??= {})[o.method.toLowerCase()] = {
      operationId: o.id,
      summary: o.summary,
      tags: o.tags,
      security: o.auth === 'public' ? [] : [{ bearer: [] }, { cookie: [] }],
      ...(typeof o.auth === 'object' ? { 'x-permission': o.auth.permission } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(o.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(o.body, 'input') } } } } : {}),
      ...(o.rawBody ? { requestBody: { required: true, description: o.rawBody.description, content: { [o.rawBody.contentType]: { schema: { type: 'string', format: 'binary' } } } } } : {}),
      responses
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Outpost API', version, description: 'JSON API of the Outpost helpdesk. Errors are `{ error: { code, message, fields? } }`.' },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An access token from /api/auth/login, or an API key `op_…`' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'outpost_at' }
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                fields: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
                retryAfterSeconds: { type: 'integer' }
              }
            }
          }
        }
      }
    }
  };
}
