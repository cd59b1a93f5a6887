// SLA breach sweep on PostgreSQL: 100k open tickets, of which DUE (default 1000) have passed a due
// instant without a recorded breach. Times SlaService.checkBreaches(now) (what the pg-boss cron will
// call every minute): one worker, then two workers at once on a fresh set, then a repeat sweep
// that finds nothing new. Needs TEST_DATABASE_URL (or BENCH_DATABASE_URL) and a built app.
//   node tests/bench/sla-sweep.mjs [open=100000] [due=1000]
import { register } from 'tsx/esm/api';
import pg from 'pg';
import { ensureBuilt, startServer, tmpDir, freshPgDatabase, ADMIN } from './lib.mjs';

register({ tsconfig: new URL('../../tsconfig.json', import.meta.url).pathname });
const OPEN = Number(process.argv[2] ?? 100_000);
const DUE = Number(process.argv[3] ?? 1000);

const fresh = await freshPgDatabase();
if (!fresh) {
  console.log('sla-sweep: skipped (set TEST_DATABASE_URL)');
  process.exit(0);
}
await ensureBuilt();
const srv = await startServer({ dataDir: tmpDir(), databaseUrl: fresh.url, port: 4290 });
await srv.stop(); // migrated, first admin created

const { openDatabase } = await import('../../src/lib/server/db/connection.ts');
const { SlaService } = await import('../../src/lib/server/sla/service.ts');
const c = new pg.Client({ connectionString: fresh.url });
await c.connect();
const databases = [];
try {
  const { rows } = await c.query('select id from users where lower(email) = lower($1)', [ADMIN.email]);
  /** OPEN open tickets; the first `due` of them (after `offset`) overdue for first response and resolution. */
  const seed = async (n, due, tag) => {
    await c.query(
      `insert into tickets (subject, status, priority, requester_id, tags, created_at, updated_at, first_response_due_at, resolution_due_at)
       select 'Ticket ' || g, (array['new','in_progress'])[1 + g % 2], (array['low','medium','high','critical'])[1 + g % 4], $1, array[$4::text],
              now() - interval '10 days' - g * interval '1 second', now(),
              case when g <= $3 then now() - interval '1 minute' else now() + interval '1 day' end,
              case when g <= $3 then now() - interval '1 minute' else now() + interval '3 days' end
       from generate_series(1, $2::int) g`,
      [rows[0].id, n, due, tag]
    );
    await c.query('analyze tickets');
  };
  await seed(OPEN, DUE, 'one');
  const open = async () => {
    const d = await openDatabase({ databaseUrl: fresh.url, poolMax: 4 });
    databases.push(d);
    return new SlaService(d.db);
  };
  const one = await open();
  let cpu = process.cpuUsage();
  let t = performance.now();
  const r1 = await one.checkBreaches(new Date());
  const ms1 = performance.now() - t;
  const cpu1 = process.cpuUsage(cpu);
  t = performance.now();
  const r2 = await one.checkBreaches(new Date());
  const ms2 = performance.now() - t;
  console.log(`sweep, 1 worker: ${OPEN.toLocaleString('en')} open tickets, ${DUE} overdue → ${r1.breached.length} breaches recorded in ${Math.round(ms1)} ms (${Math.round(r1.checked / (ms1 / 1000))} tickets re-derived/s; sweep process CPU ${Math.round((cpu1.user + cpu1.system) / 1000)} ms)`);
  console.log(`repeat sweep (nothing new): ${r2.breached.length} breaches, ${Math.round(ms2)} ms`);

  await seed(DUE, DUE, 'two');
  const [w1, w2] = [await open(), await open()];
  t = performance.now();
  const [a, b] = await Promise.all([w1.checkBreaches(new Date()), w2.checkBreaches(new Date())]);
  const ms3 = performance.now() - t;
  const keys = [...a.breached, ...b.breached].map((x) => `${x.ticketId}:${x.target}`);
  console.log(
    `sweep, 2 workers at once: ${DUE} more overdue → ${keys.length} breaches (${new Set(keys).size} distinct; worker 1 ${a.breached.length}, worker 2 ${b.breached.length}) in ${Math.round(ms3)} ms`
  );
  const dup = await c.query(`select count(*)::int as n from (select ticket_id, target from sla_events where kind = 'breached' and superseded_at is null group by 1, 2 having count(*) > 1) x`);
  console.log(`duplicate live breaches in the table: ${dup.rows[0].n}`);
} finally {
  await c.end();
  for (const d of databases) await d.close();
  await fresh.drop();
}
