// Login latency (sequential, p50/p95) and GET /api/v1/me under 100 concurrent clients (p50/p95/p99,
// throughput), against the real PostgreSQL in TEST_DATABASE_URL (or PGlite when it is unset).
// Usage: node tests/bench/auth-load.mjs [meRequests=5000] [concurrency=100] [logins=60]
import fs from 'node:fs';
import http from 'node:http';
import { ensureBuilt, startServer, tmpDir, freshPgDatabase, percentile, ms, ADMIN, login } from './lib.mjs';

const total = Number(process.argv[2] ?? 5000);
const concurrency = Number(process.argv[3] ?? 100);
const logins = Number(process.argv[4] ?? 60);

await ensureBuilt();
const dataDir = tmpDir();
const db = await freshPgDatabase();
const srv = await startServer({ dataDir, databaseUrl: db?.url, port: 4330 });
const engine = db ? 'postgres' : 'pglite';
try {
  const token = await login(srv.url, ADMIN.email, ADMIN.password);
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  // Benchmarks are not attacks: lift the login limits for this run.
  await fetch(srv.url + '/api/v1/admin/settings', {
    method: 'PATCH',
    headers: auth,
    body: JSON.stringify({ 'auth.loginRateLimit': { perIpPerMinute: 10000, perAccountPerMinute: 10000 } })
  });

  const lt = [];
  for (let i = 0; i < logins; i++) {
    const t = performance.now();
    await login(srv.url, ADMIN.email, ADMIN.password);
    lt.push(performance.now() - t);
  }
  lt.sort((a, b) => a - b);

  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(srv.url + '/api/v1/me');
  const get = () =>
    new Promise((resolve, reject) => {
      const req = http.get({ host: target.hostname, port: target.port, path: target.pathname, headers: { authorization: auth.authorization }, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
    });
  await Promise.all(Array.from({ length: concurrency }, get));
  const lat = [];
  let next = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const t = performance.now();
        const status = await get();
        if (status !== 200) errors++;
        lat.push(performance.now() - t);
      }
    })
  );
  const wall = performance.now() - t0;
  lat.sort((a, b) => a - b);
  console.log(`\nauth figures on ${engine}`);
  console.log(`  login (sequential, ${logins} logins, Argon2id m=19MiB t=2): p50 ${ms(percentile(lt, 50))}, p95 ${ms(percentile(lt, 95))}`);
  console.log(
    `  GET /api/v1/me, ${total} requests at ${concurrency} concurrent: p50 ${ms(percentile(lat, 50))}, p95 ${ms(percentile(lat, 95))}, p99 ${ms(percentile(lat, 99))}, ${Math.round((total / wall) * 1000)} req/s, errors ${errors}`
  );
  agent.destroy();
} finally {
  await srv.stop();
  await db?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
