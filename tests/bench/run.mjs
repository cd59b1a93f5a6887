// `npm run bench`: every benchmark script, one after another, printing their figures.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const dir = path.dirname(new URL(import.meta.url).pathname);
for (const script of ['cold-start.mjs', 'auth-load.mjs', 'sync-latency.mjs', 'mutations-throughput.mjs', 'tickets-api.mjs', 'files.mjs', 'realtime.mjs', 'sla-compute.mjs', 'sla-sweep.mjs']) {
  const r = spawnSync(process.execPath, [path.join(dir, script)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
