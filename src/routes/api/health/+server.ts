import { json } from '@sveltejs/kit';
import { app, health } from '$lib/server/app';

const VERSION = process.env.npm_package_version ?? '0.1.0';

export async function GET() {
  const a = await app();
  const db = await health(a);
  return json(
    { status: db.ok ? 'ok' : 'degraded', version: VERSION, uptimeSeconds: Math.round((Date.now() - a.startedAt) / 1000), db },
    { status: db.ok ? 200 : 503, headers: { 'cache-control': 'no-store' } }
  );
}
