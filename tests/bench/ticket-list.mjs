// Keyset paging of GET /api/v1/tickets over a large table (default 1M tickets) on PostgreSQL: for
// the default sort and common filters/sorts, fetches pages at random depths (cursors taken from
// random rows, so most pages sit deep in the list) one request at a time and prints p50/p99, plus
// the plan PostgreSQL picks for each (EXPLAIN (ANALYZE, BUFFERS) of the same SQL the server runs).
//   node tests/bench/ticket-list.mjs [tickets=1000000] [pagesPerList=300]
// The seed runs in SQL (generate_series) with session_replication_role = replica, i.e. without the
// change-log capture triggers (1M change-log rows are not what this measures), then ANALYZE.
import fs from 'node:fs';
import pg from 'pg';
import { ensureBuilt, startServer, tmpDir, freshPgDatabase, percentile, ms, ADMIN, login } from './lib.mjs';

const N = Number(process.argv[2] ?? 1_000_000);
const PAGES = Number(process.argv[3] ?? 300);

// BENCH_LIST_KEEP=1 keeps the seeded database and prints its URL; BENCH_LIST_DB=<url> reuses it (no seed).
const reuse = process.env.BENCH_LIST_DB;
const db = reuse ? { url: reuse, drop: async () => {} } : await freshPgDatabase();
if (!db) {
  console.log('ticket-list bench skipped: set TEST_DATABASE_URL (or BENCH_DATABASE_URL).');
  process.exit(0);
}
await ensureBuilt();
const srv = await startServer({ dataDir: tmpDir(), databaseUrl: db.url, port: Number(process.env.BENCH_PORT ?? 5142) });
const c = new pg.Client({ connectionString: db.url });
await c.connect();
/** User + system CPU ms of a process (/proc/<pid>/stat, USER_HZ = 100). */
const cpuMs = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${ms(percentile(s, 50))}, p99 ${ms(percentile(s, 99))}, max ${ms(s.at(-1))}`;
};

try {
  const token = await login(srv.url, ADMIN.email, ADMIN.password);
  const { rows: [admin] } = await c.query('select id from users where lower(email) = lower($1)', [ADMIN.email]);
  let t = performance.now();
  if (!reuse) {
  await c.query('set session_replication_role = replica');
  await c.query(
    `insert into tickets (subject, description, status, priority, requester_id, assignee_id, tags, created_at, updated_at, last_activity_at)
     select 'Ticket ' || g, repeat('Lorem ipsum dolor sit amet. ', 8), (array['new','in_progress','waiting'])[1 + g % 3],
            (array['low','medium','high','critical'])[1 + g % 4], $1, case when g % 3 = 0 then $1::uuid end, array['printer','vpn'],
            now() - g * interval '1 minute', now() - (g::bigint * 7919 % $2) * interval '1 second', now()
     from generate_series(1, $2::int) g`,
    [admin.id, N]
  );
  await c.query('set session_replication_role = origin');
  await c.query('analyze tickets');
  console.log(`seeded ${N.toLocaleString('en')} tickets in ${((performance.now() - t) / 1000).toFixed(1)} s (then analyze)`);
  }

  const sample = (await c.query(`select id, created_at::text as c, updated_at::text as u, priority_rank::text as p from tickets tablesample bernoulli (0.1) limit ${PAGES}`)).rows;
  const cursorOf = (r, sort) => Buffer.from(JSON.stringify([sort.endsWith('created_at') ? r.c : sort.endsWith('updated_at') ? r.u : r.p, r.id, sort])).toString('base64url');
  const lists = [
    { name: 'default (-created_at)', qs: '', sort: '-created_at' },
    { name: 'status=new,in_progress', qs: 'status=new,in_progress', sort: '-created_at' },
    { name: 'assignee_id=me', qs: 'assignee_id=me', sort: '-created_at' },
    { name: 'sort=-updated_at', qs: 'sort=-updated_at', sort: '-updated_at' },
    { name: 'status=waiting&sort=-updated_at', qs: 'status=waiting&sort=-updated_at', sort: '-updated_at' },
    { name: 'sort=-priority', qs: 'sort=-priority', sort: '-priority' }
  ];
  const get = async (path) => {
    const t0 = performance.now();
    const r = await fetch(srv.url + path, { headers: { authorization: `Bearer ${token}` } });
    const body = await r.json();
    if (r.status !== 200) throw new Error(`${path} → ${r.status} ${JSON.stringify(body)}`);
    return { ms: performance.now() - t0, n: body.items?.length ?? 0 };
  };
  for (let i = 0; i < 30; i++) await get('/api/v1/me');
  const base = [];
  for (let i = 0; i < 200; i++) base.push((await get('/api/v1/me')).ms);
  console.log(`baseline GET /api/v1/me (same load): ${stats(base)}`);
  for (const l of lists) {
    const path = (r) => `/api/v1/tickets?${l.qs ? l.qs + '&' : ''}limit=50&cursor=${cursorOf(r, l.sort)}`;
    for (let i = 0; i < 10; i++) await get(path(sample[i])); // warm-up
    const lat = [];
    let rows = 0;
    const cpu0 = cpuMs(srv.pid);
    for (const r of sample) {
      const x = await get(path(r));
      lat.push(x.ms);
      rows += x.n;
    }
    console.log(`GET /api/v1/tickets?${l.qs ? l.qs + '&' : ''}limit=50&cursor=… [${l.name}], ${lat.length} pages at random depths: ${stats(lat)} (${(rows / lat.length).toFixed(0)} rows/page; server CPU ${((cpuMs(srv.pid) - cpu0) / lat.length).toFixed(2)} ms/page)`);
  }
  // The plans, for the same SQL shape the repository builds (lifecycle-repository.ts list()).
  const r0 = sample[Math.floor(sample.length / 2)];
  const plans = [
    ['default', `t.deleted_at is null and (t.created_at, t.id) < ($1::timestamptz, $2::uuid) order by t.created_at desc, t.id desc`, [r0.c, r0.id]],
    ['status', `t.deleted_at is null and t.status in ('new','in_progress') and (t.created_at, t.id) < ($1::timestamptz, $2::uuid) order by t.created_at desc, t.id desc`, [r0.c, r0.id]],
    ['assignee', `t.deleted_at is null and t.assignee_id = '${admin.id}' and (t.created_at, t.id) < ($1::timestamptz, $2::uuid) order by t.created_at desc, t.id desc`, [r0.c, r0.id]],
    ['-updated_at', `t.deleted_at is null and (t.updated_at, t.id) < ($1::timestamptz, $2::uuid) order by t.updated_at desc, t.id desc`, [r0.u, r0.id]],
    ['status -updated_at', `t.deleted_at is null and t.status in ('waiting') and (t.updated_at, t.id) < ($1::timestamptz, $2::uuid) order by t.updated_at desc, t.id desc`, [r0.u, r0.id]],
    ['-priority', `t.deleted_at is null and (t.priority_rank, t.id) < ($1::bigint, $2::uuid) order by t.priority_rank desc, t.id desc`, [r0.p, r0.id]]
  ];
  if (process.argv.includes('--plans')) {
    for (const [name, where, params] of plans) {
      const { rows } = await c.query(
        `explain (analyze, buffers, costs off) select t.*, ty.key, cat.name from tickets t left join ticket_types ty on ty.id = t.type_id left join ticket_categories cat on cat.id = t.category_id where ${where} limit 51`,
        params
      );
      console.log(`plan [${name}]:\n  ${rows.map((r) => r['QUERY PLAN']).join('\n  ')}`);
    }
  }
} finally {
  await c.end();
  await srv.stop();
  if (process.env.BENCH_LIST_KEEP) console.log(`kept ${db.url}`);
  else await db.drop();
}
