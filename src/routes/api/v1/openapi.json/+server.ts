import { json } from '@sveltejs/kit';
import { ops } from '$lib/server/http/operations';
import { buildOpenApi } from '$lib/server/http/openapi';
import type { Operation } from '$lib/server/http/route';

let doc: unknown;

export function GET() {
  doc ??= buildOpenApi(Object.values(ops) as Operation[], process.env.npm_package_version ?? '0.1.0');
  return json(doc, { headers: { 'cache-control': 'public, max-age=60' } });
}
