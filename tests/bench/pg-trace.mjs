// Bench-only preload (never loaded by production code): counts the queries the server sends through
// `pg`, by statement, and writes the counts to $BENCH_PG_TRACE when the process exits. Used by
// ticket-create.mjs (`--trace`) to count round trips per create:
//   NODE_OPTIONS="--import ./tests/bench/pg-trace.mjs" BENCH_PG_TRACE=/tmp/trace.json node server.js
import fs from 'node:fs';
import pg from 'pg';

const counts = new Map();
const orig = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  const text = typeof config === 'string' ? config : config?.text;
  if (text) {
    const key = text.replace(/\s+/g, ' ').slice(0, 160);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return orig.call(this, config, ...rest);
};
const dump = () => fs.writeFileSync(process.env.BENCH_PG_TRACE, JSON.stringify(Object.fromEntries(counts)));
process.on('SIGUSR2', dump);
process.on('exit', dump);
