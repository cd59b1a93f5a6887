// Ticket REST API figures: latency of a filtered GET /api/v1/tickets page over N seeded tickets
// (sequential requests, so each is a clean round trip), keyset paging further in, and POST
// /api/v1/tickets throughput with C concurrent clients (each create runs the full service:
// history, audit, change log). Real PostgreSQL from TEST_DATABASE_URL (or BENCH_DATABASE_URL).
// Usage: node tests/bench/tickets-api.mjs [tickets=10000] [gets=500] [posts=1000] [concurrency=8]
import pg from 'pg';
import { ensureBuilt, startServer, tmpDir, freshPgDatabase, percentile, ms, ADMIN, login, seedTickets } from './lib.mjs';

const N = Number(process.argv[2] ?? 10_000);
const GETS = Number(process.argv[3] ?? 500);
const POSTS = Number(process.argv[4] ?? 1000);
const CONC = Number(process.argv[5] ?? 8);

const db = await freshPgDatabase();
if (!db) {
  console.log('tickets-api bench skipped: set TEST_DATABASE_URL (or BENCH_DATABASE_URL) to a PostgreSQL server (the seeding uses SQL).');
  process.exit(0);
}
await ensureBuilt();
const dataDir = tmpDir();
const srv = await startServer({ dataDir, databaseUrl: db.url, port: 4342 });

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${ms(percentile(s, 50))}, p95 ${ms(percentile(s, 95))}, p99 ${ms(percentile(s, 99))} (n=${s.length})`;
};

try {
  const token = await login(srv.url, ADMIN.email, ADMIN.password);
  const seedMs = await seedTickets(db.url, N);
  // Fresh statistics, as autovacuum would have them in production after such an insert.
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query('analyze tickets');
  await c.end();
  console.log(`seeded ${N} tickets in ${(seedMs / 1000).toFixed(1)} s (then analyze)`);
  const get = async (path) => {
    const t0 = performance.now();
    const r = await fetch(srv.url + path, { headers: { authorization: `Bearer ${token}` } });
    const body = await r.json();
    if (r.status !== 200) throw new Error(`${path} → ${r.status} ${JSON.stringify(body)}`);
    return { ms: performance.now() - t0, body };
  };

  const filters = [
    '/api/v1/tickets?status=new,in_progress&priority=high&limit=50',
    '/api/v1/tickets?tag=vpn&sort=-priority&limit=50',
    '/api/v1/tickets?status=waiting&sort=-updated_at&limit=50',
    '/api/v1/tickets?q=ticket&limit=50'
  ];
  for (let i = 0; i < 20; i++) await get(filters[i % filters.length]); // warm up
  // Baseline under the same machine load: the smallest authenticated JSON request.
  const base = [];
  for (let i = 0; i < 200; i++) base.push((await get('/api/v1/me')).ms);
  console.log(`baseline GET /api/v1/me: ${stats(base)}`);
  const lat = [];
  for (let i = 0; i < GETS; i++) lat.push((await get(filters[i % filters.length])).ms);
  console.log(`GET /api/v1/tickets (filtered page of 50 over ${N} tickets): ${stats(lat)}`);

  // Keyset paging: follow nextCursor 20 pages deep; the cost should not grow with depth.
  const pages = [];
  let next = '/api/v1/tickets?status=new,in_progress,waiting&sort=-created_at&limit=50';
  for (let i = 0; i < 20 && next; i++) {
    const { ms: t, body } = await get(next);
    pages.push(t);
    next = body.nextCursor ? `/api/v1/tickets?status=new,in_progress,waiting&sort=-created_at&limit=50&cursor=${body.nextCursor}` : null;
  }
  console.log(`GET keyset pages 1–${pages.length}: ${stats(pages)}; last page ${ms(pages.at(-1))}`);

  let done = 0;
  const postLat = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONC }, async (_, w) => {
      while (done < POSTS) {
        const i = done++;
        const s = performance.now();
        const r = await fetch(srv.url + '/api/v1/tickets', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ subject: `Bench create ${w}.${i}`, description: 'Printer jams on every second page', impact: 'medium', urgency: 'high', tags: ['bench'] })
        });
        if (r.status !== 201) throw new Error(`POST → ${r.status} ${await r.text()}`);
        await r.arrayBuffer();
        postLat.push(performance.now() - s);
      }
    })
  );
  const secs = (performance.now() - t0) / 1000;
  console.log(`POST /api/v1/tickets: ${(POSTS / secs).toFixed(0)} tickets/s with ${CONC} concurrent clients; latency ${stats(postLat)}`);
} finally {
  await srv.stop();
  await db.drop();
}
