// Create-ticket throughput and latency on PostgreSQL, with the SLA engine engaged (an active policy
// with targets for every priority), assignment, audit, ticket_history and the change-log triggers:
//   REST: POST /api/v1/tickets (impact/urgency → matrix priority, tags, assignee) by C clients;
//   sync: POST /api/sync/mutations with ticket.create (+ ticket.assign in the same batch) by C clients.
// Prints throughput, p50/p95/p99 per request and the server's CPU time per create (/proc).
//   node tests/bench/ticket-create.mjs [creates=2000] [clients=8] [--trace] [--only=rest|sync]
// --trace counts the SQL statements the server sends per create (bench preload tests/bench/pg-trace.mjs).
import http from 'node:http';
import path from 'node:path';
import { uuidv7 } from 'uuidv7';
import { ensureBuilt, startServer, tmpDir, freshPgDatabase, percentile, ms, ADMIN, login, processCpu, pgBackendCpu, pgCpuBetween, traceDuring, traceEnv } from './lib.mjs';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const TRACE = process.argv.includes('--trace');
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice(7); // rest | sync: measure one kind (both are warmed up)
const N = Number(args[0] ?? 2000);
const C = Number(args[1] ?? 8);

const db = await freshPgDatabase();
if (!db) {
  console.log('ticket-create bench skipped: set TEST_DATABASE_URL (or BENCH_DATABASE_URL).');
  process.exit(0);
}
await ensureBuilt();
const traceFile = path.join(tmpDir(), 'trace.json');
const env = TRACE ? traceEnv(traceFile) : {};
const srv = await startServer({ dataDir: tmpDir(), databaseUrl: db.url, port: Number(process.env.BENCH_PORT ?? 5141), env });

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${ms(percentile(s, 50))}, p95 ${ms(percentile(s, 95))}, p99 ${ms(percentile(s, 99))}`;
};

// The bench's own HTTP client shares the 2 cores with the server and PostgreSQL: node:http on
// keep-alive sockets (one per client) costs about half the CPU per request of fetch (undici's
// WHATWG Request/Response and streams). What is measured is the same request and full response.
const agent = new http.Agent({ keepAlive: true, maxSockets: C });
const target = new URL(srv.url);
function call(token, method, p, body) {
  const payload = body ? JSON.stringify(body) : undefined;
  const headers = { authorization: `Bearer ${token}` };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: target.port, method, path: p, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let json;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON */
        }
        if (res.statusCode >= 300) reject(new Error(`${method} ${p} → ${res.statusCode} ${text}`));
        else resolve(json);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs `n` requests from C clients; returns throughput, latencies and server CPU ms per request. */
async function drive(n, one) {
  let next = 0;
  const lat = [];
  const me0 = process.cpuUsage();
  const cpu0 = processCpu(srv.pid);
  const pg0 = await pgBackendCpu(db.url);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: C }, async (_, w) => {
      while (next < n) {
        const i = next++;
        const s = performance.now();
        await one(w, i);
        lat.push(performance.now() - s);
      }
    })
  );
  const secs = (performance.now() - t0) / 1000;
  const me1 = process.cpuUsage(me0);
  const cpu1 = processCpu(srv.pid);
  const pg1 = await pgBackendCpu(db.url);
  // Backends opened meanwhile count in full; those closed meanwhile are lost (an undercount, rare under load).
  const pgPer = pgCpuBetween(pg0, pg1) / n;
  return { pgPer, rate: n / secs, lat, cpuPer: (cpu1.user + cpu1.sys - cpu0.user - cpu0.sys) / n, sysPer: (cpu1.sys - cpu0.sys) / n, clientPer: (me1.user + me1.system) / 1000 / n };
}

try {
  const token = await login(srv.url, ADMIN.email, ADMIN.password);
  const me = await call(token, 'GET', '/api/v1/me');
  const meId = me.id ?? me.user?.id;
  await call(token, 'POST', '/api/v1/admin/sla-policies', {
    name: 'Bench SLA',
    targets: Object.fromEntries(['low', 'medium', 'high', 'critical'].map((p, i) => [p, { firstResponseMinutes: 60 * (4 - i), resolutionMinutes: 480 * (4 - i) }]))
  });
  const rest = (w, i) =>
    call(token, 'POST', '/api/v1/tickets', {
      subject: `Bench create ${w}.${i}`,
      description: 'Printer jams on every second page',
      impact: 'medium',
      urgency: 'high',
      tags: ['bench'],
      assignee_id: meId
    });
  const clients = Array.from({ length: C }, () => uuidv7());
  const mutation = (w, i) => {
    const id = uuidv7();
    const now = new Date().toISOString();
    return call(token, 'POST', '/api/sync/mutations', {
      clientId: clients[w],
      mutations: [
        { id: uuidv7(), name: 'ticket.create', args: { id, subject: `Bench sync ${w}.${i}`, priority: 'high' }, clientTime: now },
        { id: uuidv7(), name: 'ticket.assign', args: { id, set: { assignee_id: meId }, base: { assignee_id: null } }, clientTime: now }
      ]
    }).then((r) => {
      if (r.results.some((x) => x.status !== 'applied')) throw new Error(JSON.stringify(r.results));
    });
  };
  await drive(Math.min(300, N), rest); // warm-up: JIT, pool, plan caches
  await drive(Math.min(300, N), mutation);
  if (TRACE) {
    // Count the statements of a fixed number of sequential creates of each kind.
    const count = async (label, fn) => {
      const diff = await traceDuring(srv.pid, traceFile, 100, async () => {
        for (let i = 0; i < 100; i++) await fn(0, i);
      });
      const sum = (i) => diff.reduce((a, x) => a + x[i], 0);
      console.log(`${label}: ${sum(1).toFixed(1)} statements, ${sum(2).toFixed(2)} ms of statement time (send → result) per create`);
      for (const [k, n, t] of diff) console.log(`  ${n.toFixed(2)} × ${(t / n).toFixed(3)} ms  ${k}`);
    };
    await count('REST POST /api/v1/tickets', rest);
    await count('POST /api/sync/mutations (ticket.create + ticket.assign)', mutation);
  }
  if (ONLY !== 'sync') {
    const a = await drive(N, rest);
    console.log(`REST POST /api/v1/tickets: ${a.rate.toFixed(0)} creates/s with ${C} clients; ${stats(a.lat)} (n=${N}); server CPU ${a.cpuPer.toFixed(2)} ms/create (system ${a.sysPer.toFixed(2)}), PostgreSQL backends ${a.pgPer.toFixed(2)} ms/create, bench client ${a.clientPer.toFixed(2)} ms/create`);
  }
  if (ONLY !== 'rest') {
    const b = await drive(N, mutation);
    console.log(`POST /api/sync/mutations (ticket.create + ticket.assign): ${b.rate.toFixed(0)} creates/s with ${C} clients; ${stats(b.lat)} (n=${N}); server CPU ${b.cpuPer.toFixed(2)} ms/create (system ${b.sysPer.toFixed(2)}), PostgreSQL backends ${b.pgPer.toFixed(2)} ms/create, bench client ${b.clientPer.toFixed(2)} ms/create`);
  }
} finally {
  agent.destroy();
  await srv.stop();
  await db.drop();
}
