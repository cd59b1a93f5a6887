// Mutation endpoint throughput: N concurrent clients (agents, each with its own outbox and tickets)
// flush batches of `ticket.update` / `comment.add` to POST /api/sync/mutations for a fixed time;
// prints sustained applied mutations/s and batch latency percentiles. Every mutation writes its
// ledger row, ticket_history, audit, SLA events and notifications, as in production (consecutive
// mutations of a batch commit together in groups of up to 32: src/lib/server/mutations/service.ts).
// Real PostgreSQL from TEST_DATABASE_URL (or BENCH_DATABASE_URL); PGlite when neither is set.
// Also prints CPU per mutation (server process, PostgreSQL backends, this client).
// Usage: node tests/bench/mutations-throughput.mjs [seconds=10] [clients=4] [batch=50] [--trace]
// --trace lists the SQL statements per mutation (one batch of each kind, sequential; bench preload
// tests/bench/pg-trace.mjs). BENCH_PORT sets the port (default 4341).
import path from 'node:path';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { ensureBuilt, startServer, tmpDir, freshPgDatabase, percentile, ms, ADMIN, login, processCpu, pgBackendCpu, pgCpuBetween, traceDuring, traceEnv } from './lib.mjs';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const TRACE = process.argv.includes('--trace');
const seconds = Number(args[0] ?? 10);
const clients = Number(args[1] ?? 4);
const batchSize = Number(args[2] ?? 50);
const TICKETS_PER_CLIENT = 20;
const PRIORITIES = ['low', 'medium', 'high', 'critical'];
const PASSWORD = 'bench agent passphrase 2026';

await ensureBuilt();
const dataDir = tmpDir();
const db = await freshPgDatabase();
const traceFile = path.join(dataDir, 'trace.json');
const srv = await startServer({ dataDir, databaseUrl: db?.url, port: Number(process.env.BENCH_PORT ?? 4341), env: TRACE ? traceEnv(traceFile) : {} });
const engine = db ? 'postgres' : 'pglite';

async function post(token, path, body) {
  const r = await fetch(srv.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await r.json().catch(() => undefined);
  if (r.status >= 300) throw new Error(`${path} → ${r.status} ${JSON.stringify(json)}`);
  return json;
}

try {
  const adminToken = await login(srv.url, ADMIN.email, ADMIN.password);
  const agents = [];
  for (let i = 0; i < clients; i++) {
    const email = `bench-agent-${i}@outpost.test`;
    await post(adminToken, '/api/v1/admin/users', { email, name: `Bench Agent ${i}`, roles: ['agent'], password: PASSWORD });
    const token = await login(srv.url, email, PASSWORD);
    const clientId = uuidv7();
    const tickets = Array.from({ length: TICKETS_PER_CLIENT }, (_, k) => ({ id: uuidv7(), priority: 'medium', subject: `Bench ticket ${i}.${k}` }));
    const now = new Date().toISOString();
    const res = await post(token, '/api/sync/mutations', {
      clientId,
      mutations: tickets.map((t) => ({ id: uuidv7(), name: 'ticket.create', args: { id: t.id, subject: t.subject, priority: t.priority }, clientTime: now }))
    });
    if (res.results.some((r) => r.status !== 'applied')) throw new Error(`setup failed: ${JSON.stringify(res.results.find((r) => r.status !== 'applied'))}`);
    agents.push({ token, clientId, tickets, next: 0 });
  }

  /** Half field edits (with the base this client last wrote: no conflicts), half comments. */
  function batchFor(a) {
    const now = new Date().toISOString();
    const out = [];
    for (let j = 0; j < batchSize; j++) {
      const t = a.tickets[a.next++ % a.tickets.length];
      if (j % 2 === 0) {
        const to = PRIORITIES[(PRIORITIES.indexOf(t.priority) + 1) % PRIORITIES.length];
        out.push({ id: uuidv7(), name: 'ticket.update', args: { id: t.id, set: { priority: to }, base: { priority: t.priority } }, clientTime: now });
        t.priority = to;
      } else {
        out.push({ id: uuidv7(), name: 'comment.add', args: { id: uuidv7(), ticket_id: t.id, body: `Progress note ${a.next}: checked cabling, rebooted the switch port, waiting for the user to confirm.` }, clientTime: now });
      }
    }
    return out;
  }

  const run = async (durationMs, record) => {
    const stopAt = performance.now() + durationMs;
    await Promise.all(
      agents.map(async (a) => {
        while (performance.now() < stopAt) {
          const mutations = batchFor(a);
          const t = performance.now();
          const res = await post(a.token, '/api/sync/mutations', { clientId: a.clientId, mutations });
          record?.(performance.now() - t, res.results);
        }
      })
    );
  };

  await run(1500); // warm-up: JIT, pool connections, plan caches
  const lat = [];
  let appliedN = 0;
  let rejectedN = 0;
  const cpu0 = processCpu(srv.pid);
  const pg0 = db ? await pgBackendCpu(db.url) : new Map();
  const me0 = process.cpuUsage();
  const t0 = performance.now();
  await run(seconds * 1000, (dt, results) => {
    lat.push(dt);
    for (const r of results) {
      if (r.status === 'applied') appliedN++;
      else rejectedN++;
    }
  });
  const elapsed = (performance.now() - t0) / 1000;
  const me1 = process.cpuUsage(me0);
  const cpu1 = processCpu(srv.pid);
  const pgMs = db ? pgCpuBetween(pg0, await pgBackendCpu(db.url)) : NaN;
  const total = appliedN + rejectedN;
  const cpuLine =
    `  CPU per mutation: server ${((cpu1.user + cpu1.sys - cpu0.user - cpu0.sys) / total).toFixed(2)} ms (system ${((cpu1.sys - cpu0.sys) / total).toFixed(2)}), ` +
    `PostgreSQL backends ${(pgMs / total).toFixed(2)} ms, bench client ${((me1.user + me1.system) / 1000 / total).toFixed(2)} ms\n`;
  lat.sort((x, y) => x - y);

  let traceLines = '';
  if (TRACE) {
    for (const kind of ['ticket.update', 'comment.add']) {
      const a = agents[0];
      const batch = [];
      while (batch.length < batchSize) for (const m of batchFor(a)) if (m.name === kind && batch.length < batchSize) batch.push(m);
      const diff = await traceDuring(srv.pid, traceFile, batch.length, () => post(a.token, '/api/sync/mutations', { clientId: a.clientId, mutations: batch }));
      const sum = (i) => diff.reduce((x, d) => x + d[i], 0);
      traceLines += `  ${kind}: ${sum(1).toFixed(2)} statements, ${sum(2).toFixed(3)} ms of statement time per mutation (one batch of ${batch.length})\n`;
      for (const [k, n, t] of diff) traceLines += `    ${n.toFixed(2)} × ${(t / n).toFixed(3)} ms  ${k}\n`;
    }
  }

  let ledger = '';
  if (db) {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const r = await c.query(`select (select count(*) from sync_mutations)::int as ledger, (select count(*) from ticket_comments)::int as comments, (select count(*) from ticket_history)::int as history`);
    await c.end();
    ledger = `  rows after the run: ledger ${r.rows[0].ledger}, comments ${r.rows[0].comments}, ticket_history ${r.rows[0].history}\n`;
  }

  const rate = appliedN / elapsed;
  process.stdout.write(
    `\nMutations endpoint (${engine}): ${clients} clients × batches of ${batchSize} (ticket.update + comment.add), ${elapsed.toFixed(1)} s\n` +
      `  applied ${appliedN}, rejected ${rejectedN}, batches ${lat.length}\n` +
      `  sustained throughput: ${rate.toFixed(0)} mutations/s  (target ≥ 500)  ${rate >= 500 ? 'OK' : 'BELOW TARGET'}\n` +
      `  batch latency: p50 ${ms(percentile(lat, 50))}, p95 ${ms(percentile(lat, 95))}, p99 ${ms(percentile(lat, 99))}, max ${ms(lat.at(-1) ?? NaN)}\n` +
      `  per mutation (mean, in a batch): ${ms((lat.reduce((s, x) => s + x, 0) / lat.length / batchSize) || NaN)}\n` +
      cpuLine +
      ledger +
      traceLines
  );
} finally {
  await srv.stop();
  await db?.drop();
}
