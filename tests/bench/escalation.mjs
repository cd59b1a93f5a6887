// Escalation sweep and job-queue figures, in process on real PostgreSQL (TEST_DATABASE_URL or
// BENCH_DATABASE_URL; a fresh database, dropped afterwards):
//   1. one escalation sweep over N open tickets (default 10 000) with SLA deadlines spread so that
//      a share reach each rule: the first sweep (applies actions) and a steady-state sweep (nothing
//      new to apply — what the every-minute cron costs most of the time);
//   2. jobs: enqueue-in-transaction latency (p50/p99), batched enqueue rate, and end-to-end
//      processing throughput of the in-process pg-boss workers.
// Usage: node tests/bench/escalation.mjs [tickets=10000] [jobs=2000]
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { tsImport } from 'tsx/esm/api';
import { uuidv7 } from 'uuidv7';
import { root, freshPgDatabase, percentile, ms } from './lib.mjs';

const N = Number(process.argv[2] ?? 10_000);
const JOBS = Number(process.argv[3] ?? 2000);
const imp = (p) => tsImport(path.join(root, p), import.meta.url);

const fresh = await freshPgDatabase();
if (!fresh) {
  console.error('escalation bench: needs PostgreSQL (TEST_DATABASE_URL or BENCH_DATABASE_URL)');
  process.exit(2);
}
let c, database, bg;
try {
  const { openDatabase } = await imp('src/lib/server/db/connection.ts');
  const { buildBackground } = await imp('src/lib/server/jobs/wiring.ts');
  const { systemActor } = await imp('src/lib/domain/auth/permissions.ts');

  // Schema: every migration file in order (the bundled migrator needs Vite's import.meta.glob).
  c = new pg.Client({ connectionString: fresh.url });
  await c.connect();
  for (const f of fs.readdirSync(path.join(root, 'migrations')).filter((f) => f.endsWith('.sql')).sort()) {
    await c.query(fs.readFileSync(path.join(root, 'migrations', f), 'utf8'));
  }

  database = await openDatabase({ databaseUrl: fresh.url, poolMax: 10 });
  bg = buildBackground(database.db, { work: true, pollingIntervalSeconds: 0.5, cron: false });
  // ── seed: agents in two teams, N open tickets with SLA deadlines ─────────────────────────
  const agentRole = (await c.query(`select id from roles where key = 'agent'`)).rows[0].id;
  const agents = Array.from({ length: 10 }, (_, i) => ({ id: uuidv7(), email: `bench-esc-${i}@outpost.test`, name: `Agent ${i}` }));
  const requester = { id: uuidv7(), email: 'bench-esc-req@outpost.test', name: 'Requester' };
  for (const u of [...agents, requester]) await c.query(`insert into users (id, email, name) values ($1, $2, $3)`, [u.id, u.email, u.name]);
  for (const a of agents) await c.query(`insert into user_roles (user_id, role_id) values ($1, $2)`, [a.id, agentRole]);
  const teams = [uuidv7(), uuidv7()];
  await c.query(`insert into teams (id, name, assignment_method, lead_id) values ($1, 'Tier 1', 'manual', $3), ($2, 'Tier 2', 'round_robin', $4)`, [teams[0], teams[1], agents[0].id, agents[5].id]);
  for (const [i, a] of agents.entries()) await c.query(`insert into team_members (team_id, user_id) values ($1, $2)`, [teams[i < 5 ? 0 : 1], a.id]);
  const t0 = performance.now();
  // created 0–120 min ago; first response due 60 min after creation, resolution 240 min:
  // ≈ 58 % of tickets past 75 % of first response, a slice past resolution 40 %.
  await c.query(
    `insert into tickets (subject, requester_id, assignee_id, team_id, priority, created_at, first_response_due_at, resolution_due_at)
     select 'Bench ticket ' || g, $1, ($2::uuid[])[1 + g % 5], $3, (array['low','medium','high','critical'])[1 + g % 4],
            now() - make_interval(secs => (g * 7919) % 7200), now() - make_interval(secs => (g * 7919) % 7200) + interval '60 minutes',
            now() - make_interval(secs => (g * 7919) % 7200) + interval '240 minutes'
       from generate_series(1, $4::int) g`,
    [requester.id, agents.slice(0, 5).map((a) => a.id), teams[0], N]
  );
  await c.query('analyze');
  const seedMs = performance.now() - t0;

  const ctx = { actor: systemActor, source: 'system' };
  await bg.start();
  await bg.escalation.createRule(ctx, { name: 'FR at 75 %: tell assignee and manager', position: 1, active: true, target: 'first_response', trigger: 'percent', percent: 75, conditions: {}, actions: [{ type: 'notify', userIds: [], assignee: true, team: false, manager: true }] });
  await bg.escalation.createRule(ctx, { name: 'Resolution at 40 %, high/critical: raise', position: 2, active: true, target: 'resolution', trigger: 'percent', percent: 40, conditions: { priorities: ['high', 'critical'] }, actions: [{ type: 'raise_priority', to: null }] });
  await bg.escalation.createRule(ctx, { name: 'Resolution breached: Tier 2', position: 3, active: true, target: 'resolution', trigger: 'breach', percent: null, conditions: {}, actions: [{ type: 'reassign', agentId: null, teamId: teams[1] }] });

  const first = await bg.escalation.sweep(new Date());
  const steady = [];
  for (let i = 0; i < 5; i++) steady.push((await bg.escalation.sweep(new Date())).ms);
  steady.sort((a, b) => a - b);
  const applied = (await c.query(`select count(*)::int n from escalation_log`)).rows[0].n;

  console.log(`\nEscalation sweep, PostgreSQL, ${N} open tickets (seeded in ${ms(seedMs)}; 3 rules, SLA notices at 80 %)`);
  console.log(`  first sweep (applies ${first.applied} escalations, ${first.notices} SLA notices, ${first.progress} target readings): ${ms(first.ms)}`);
  console.log(`  steady-state sweep (nothing new to apply), median of 5: ${ms(steady[2])} (min ${ms(steady[0])}, max ${ms(steady[4])})`);
  console.log(`  escalation_log rows: ${applied}`);

  // ── jobs ──────────────────────────────────────────────────────────────────────────────────
  const lat = [];
  for (let i = 0; i < 500; i++) {
    const s = performance.now();
    await database.db.transaction().execute((trx) => bg.jobs.enqueue(trx, 'system.heartbeat', { id: uuidv7() }));
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);
  await waitDrained();
  const e0 = performance.now();
  for (let i = 0; i < JOBS; i += 100) {
    await database.db.transaction().execute(async (trx) => {
      for (let k = i; k < Math.min(JOBS, i + 100); k++) await bg.jobs.enqueue(trx, 'system.heartbeat', { id: uuidv7() });
    });
  }
  const enqMs = performance.now() - e0;
  await waitDrained();
  const doneMs = performance.now() - e0;
  console.log(`\nJobs (pg-boss 10.4.2 over the app's Kysely pool, in-process workers, batch 50, poll 0.5 s)`);
  console.log(`  enqueue in its own transaction: p50 ${ms(percentile(lat, 50))}, p99 ${ms(percentile(lat, 99))} (500 sequential)`);
  console.log(`  ${JOBS} jobs enqueued in transactions of 100: ${ms(enqMs)} (${Math.round(JOBS / (enqMs / 1000))}/s)`);
  console.log(`  all ${JOBS} processed ${ms(doneMs)} after the first enqueue: ${Math.round(JOBS / (doneMs / 1000))} jobs/s end to end\n`);
} finally {
  await bg?.stop().catch(() => {});
  await database?.close();
  await c?.end();
  await fresh.drop();
}

async function waitDrained() {
  for (;;) {
    const r = await c.query(`select count(*)::int n from pgboss.job where name = 'system.heartbeat' and state in ('created', 'active', 'retry')`);
    if (r.rows[0].n === 0) return;
    await new Promise((res) => setTimeout(res, 50));
  }
}
