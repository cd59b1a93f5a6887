// Cold start to first 200 on /api/health: a fresh data directory (initdb + migrations + first
// admin) and an existing one, on embedded PGlite and (when TEST_DATABASE_URL is set) PostgreSQL.
// Usage: node tests/bench/cold-start.mjs [runs=3]
import fs from 'node:fs';
import { ensureBuilt, startServer, tmpDir, freshPgDatabase, percentile, ms } from './lib.mjs';

const runs = Number(process.argv[2] ?? 3);
await ensureBuilt();
const report = [];

async function measure(label, setup) {
  const fresh = [];
  const existing = [];
  for (let i = 0; i < runs; i++) {
    const { dataDir, databaseUrl, cleanup } = await setup();
    const a = await startServer({ dataDir, databaseUrl, port: 4310 + i });
    fresh.push(a.firstOk);
    await a.stop();
    const b = await startServer({ dataDir, databaseUrl, port: 4320 + i });
    existing.push(b.firstOk);
    await b.stop();
    await cleanup();
  }
  fresh.sort((x, y) => x - y);
  existing.sort((x, y) => x - y);
  report.push(`${label.padEnd(12)} fresh data dir: median ${ms(percentile(fresh, 50))} (min ${ms(fresh[0])}, max ${ms(fresh.at(-1))})`);
  report.push(`${label.padEnd(12)} existing:       median ${ms(percentile(existing, 50))} (min ${ms(existing[0])}, max ${ms(existing.at(-1))})`);
}

await measure('pglite', async () => {
  const dataDir = tmpDir();
  return { dataDir, cleanup: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
});
if (process.env.TEST_DATABASE_URL) {
  await measure('postgres', async () => {
    const dataDir = tmpDir();
    const db = await freshPgDatabase();
    return { dataDir, databaseUrl: db.url, cleanup: async () => (fs.rmSync(dataDir, { recursive: true, force: true }), db.drop()) };
  });
} else report.push('postgres     skipped (TEST_DATABASE_URL not set)');

console.log(`\ncold start: spawn \`node server.js\` → first 200 on /api/health (${runs} runs each)`);
for (const line of report) console.log('  ' + line);
