// Change-log compaction on PostgreSQL: ROWS tickets each inserted then updated UPDATES times (each
// change its own transaction, through the real capture triggers), read by the tailer, then counted
// as old and compacted. Prints the log size before and after and the time the run took (what the
// engine's 10-minute maintenance does, at most 50 000 rows per run).
//   node tests/bench/sync-compaction.mjs [rows=10000] [updates=10]
import { register } from 'tsx/esm/api';
import pg from 'pg';
import { ensureBuilt, freshPgDatabase, startServer, tmpDir } from './lib.mjs';

register({ tsconfig: new URL('../../tsconfig.json', import.meta.url).pathname });
const ROWS = Number(process.argv[2] ?? 10_000);
const UPDATES = Number(process.argv[3] ?? 10);

const fresh = await freshPgDatabase();
if (!fresh) {
  console.log('sync-compaction: skipped (set TEST_DATABASE_URL)');
  process.exit(0);
}
await ensureBuilt();
const srv = await startServer({ dataDir: tmpDir(), databaseUrl: fresh.url, port: 4291 });
await srv.stop(); // migrated
const { openDatabase } = await import('../../src/lib/server/db/connection.ts');
const { Tailer } = await import('../../sync/server/tailer.ts');
const database = await openDatabase({ databaseUrl: fresh.url, poolMax: 6 });
const c = new pg.Client({ connectionString: fresh.url });
try {
  await c.connect();
  const user = (await c.query(`insert into users (email, name) values ('compaction-bench@example.test', 'Bench') returning id`)).rows[0].id;
  const tailer = new Tailer(database.db);
  await tailer.init();
  const t0 = performance.now();
  // Several connections, one change per transaction, as the app writes.
  const writers = await Promise.all(Array.from({ length: 4 }, async () => {
    const w = new pg.Client({ connectionString: fresh.url });
    await w.connect();
    return w;
  }));
  const ids = (await c.query(`insert into tickets (subject, requester_id) select 'Bench ' || g, $1 from generate_series(1, $2) g returning id`, [user, ROWS])).rows.map((r) => r.id);
  await tailer.sync();
  for (let u = 1; u <= UPDATES; u++) {
    await Promise.all(writers.map(async (w, k) => {
      for (let i = k; i < ids.length; i += writers.length) await w.query(`update tickets set subject = $2 where id = $1`, [ids[i], `Bench ${i} v${u}`]);
    }));
    await tailer.sync();
  }
  await Promise.all(writers.map((w) => w.end()));
  console.log(`written: ${ROWS} rows × (1 insert + ${UPDATES} updates) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const count = async () => Number((await c.query(`select count(*)::int as n from sync_change_log where tbl = 'tickets'`)).rows[0].n);
  const size = async () => (await c.query(`select pg_size_pretty(pg_total_relation_size('sync_change_log')) as s`)).rows[0].s;
  const before = await count();
  await c.query(`update sync_windows set at = now() - interval '2 hours'`);
  await c.query(`insert into tickets (subject, requester_id) values ('tail', $1)`, [user]);
  await tailer.sync();
  let runs = 0;
  let total = 0;
  const t1 = performance.now();
  for (;;) {
    const r = await tailer.compact({ olderThanMs: 3_600_000 });
    runs++;
    total += r.removedEntries;
    if (!r.removedEntries) break;
  }
  const secs = (performance.now() - t1) / 1000;
  const after = await count();
  console.log(`compaction: ${before} → ${after} ticket entries (${total} folded) in ${secs.toFixed(2)} s over ${runs} run(s) (the last finds nothing); ${Math.round(total / secs)} entries/s; table now ${await size()}`);
  const [{ logged, counted }] = (await c.query(`select (select count(*)::int from sync_change_log) as logged, (select coalesce(sum(entries), 0)::int from sync_windows) as counted`)).rows;
  console.log(`window counts exact: ${logged === counted} (${logged} entries, windows say ${counted})`);
} finally {
  await c.end().catch(() => {});
  await database.close();
  await fresh.drop();
}
