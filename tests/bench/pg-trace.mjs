// Bench-only preload (never loaded by production code): counts the queries the server sends through
// `pg`, by statement, with the wall time each took from send to result (one client at a time, that is
// the statement's time in PostgreSQL plus a loopback round trip), and writes them to $BENCH_PG_TRACE
// on SIGUSR2 and when the process exits. Used by ticket-create.mjs (`--trace`):
//   NODE_OPTIONS="--import ./tests/bench/pg-trace.mjs" BENCH_PG_TRACE=/tmp/trace.json node server.js
import fs from 'node:fs';
import pg from 'pg';

const counts = new Map();
const orig = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  const text = typeof config === 'string' ? config : config?.text;
  const out = orig.call(this, config, ...rest);
  if (text) {
    const key = text.replace(/\s+/g, ' ').slice(0, 160);
    const c = counts.get(key) ?? { n: 0, ms: 0 };
    counts.set(key, c);
    c.n++;
    const t0 = performance.now();
    if (out && typeof out.then === 'function') out.then(() => (c.ms += performance.now() - t0), () => (c.ms += performance.now() - t0));
  }
  return out;
};
const dump = () => fs.writeFileSync(process.env.BENCH_PG_TRACE, JSON.stringify(Object.fromEntries(counts)));
process.on('SIGUSR2', dump);
process.on('exit', dump);
