// Gatekeeper → real Electric (`ELECTRIC_URL`): the shape definition comes from the registry, the
// client contributes only protocol parameters, and the response is re-streamed with Electric's
// headers (minus content-encoding/length: fetch() already decoded the body).
import { EXPOSED_HEADERS, FORWARDED_PARAMS } from '../protocol/electric';
import { compileSql } from '../protocol/filter';
import type { ShapeDefinition } from '../protocol/shapes';

export interface ProxyOptions {
  electricUrl: string;
  /** ELECTRIC_SECRET, added as `secret`; never sent to the browser. */
  secret?: string;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** The upstream URL for a client request: protocol params from the client, the rest from us. */
export function electricUpstreamUrl(shape: ShapeDefinition, clientUrl: URL, electricUrl: string, secret?: string): URL {
  const up = new URL(electricUrl);
  if (!/\/v1\/shape\/?$/.test(up.pathname)) up.pathname = `${up.pathname.replace(/\/$/, '')}/v1/shape`;
  for (const k of [...up.searchParams.keys()]) up.searchParams.delete(k);
  for (const p of FORWARDED_PARAMS) {
    const v = clientUrl.searchParams.get(p);
    if (v !== null && p !== 'replica') up.searchParams.set(p, v);
  }
  up.searchParams.set('table', shape.table);
  up.searchParams.set('columns', shape.columns.map((c) => `"${c.replace(/"/g, '""')}"`).join(','));
  up.searchParams.set('replica', shape.replica);
  const where = compileSql(shape.where);
  if (shape.where) {
    up.searchParams.set('where', where.sql);
    where.params.forEach((v, i) => up.searchParams.set(`params[${i + 1}]`, v));
  }
  if (secret) up.searchParams.set('secret', secret);
  up.searchParams.sort();
  return up;
}

export async function proxyToElectric(shape: ShapeDefinition, clientUrl: URL, o: ProxyOptions): Promise<Response> {
  const up = electricUpstreamUrl(shape, clientUrl, o.electricUrl, o.secret);
  let r: Response;
  try {
    r = await (o.fetch ?? fetch)(up, { signal: o.signal, headers: { accept: 'application/json' } });
  } catch (e) {
    if (o.signal?.aborted) return new Response(null, { status: 499 });
    return new Response(JSON.stringify({ error: { code: 'unavailable', message: `Sync service unreachable: ${e instanceof Error ? e.message : String(e)}` } }), {
      status: 503,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'retry-after': '5' }
    });
  }
  const headers = new Headers(r.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  headers.delete('transfer-encoding');
  // Per-user data: no shared cache may keep it, and the browser gets it fresh.
  headers.set('cache-control', 'private, no-store');
  headers.delete('surrogate-control');
  headers.set('vary', 'Authorization, Cookie');
  headers.set('access-control-expose-headers', EXPOSED_HEADERS.join(', '));
  return new Response(r.body, { status: r.status, statusText: r.statusText, headers });
}
