// Any /api path no route claims: a JSON 404 (never the app shell, never HTML).
import type { RequestHandler } from './$types';

export const fallback: RequestHandler = ({ url, request }) =>
  new Response(JSON.stringify({ error: { code: 'not_found', message: `No API endpoint ${request.method} ${url.pathname}` } }), {
    status: 404,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }
  });
