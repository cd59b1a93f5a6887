// Sync latency: commit → visible to a `ShapeStream` client (the real @electric-sql/client) through
// the gatekeeper and the embedded engine, on the real PostgreSQL in TEST_DATABASE_URL. Runs with
// 1 live shape and with 100 live shapes (every stream follows the staff `tickets` shape, so every
// write fans out to all of them: the worst case), each over HTTP long-polls and over the `/ws`
// socket (sync/client/live-mux.ts; one socket carries all the streams, as in the browser). Then
// "into Dexie": one device (the real Replicator, fake-indexeddb) holding all ten shapes over the
// socket, measured until the row is committed in its Dexie, while the 100 other streams are live.
// Writes are single-row inserts committed one at a time by a direct pg connection, 5–25 ms apart.
// Last, "separate clients": the 100 other live streams run in a child process (other people's
// browsers, sync-latency-others.mjs) and this process is one device — one stream and its Dexie —
// so the figure is the one a user sees, not the bench parsing 100 copies of every change.
// Usage: node tests/bench/sync-latency.mjs [writes=200] [shapes=100]
// BENCH_ONLY=device runs only the last part (one device, alone and among the other clients).
import 'fake-indexeddb/auto';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import pg from 'pg';
import WebSocket from 'ws';
import { register } from 'tsx/esm/api';
import { ShapeStream, isChangeMessage } from '@electric-sql/client';
import { ensureBuilt, startServer, tmpDir, freshPgDatabase, percentile, ms, ADMIN, login, root, cpuTimes } from './lib.mjs';

register();
const { LiveMux } = await import('../../sync/client/live-mux.ts');
const { Replicator } = await import('../../sync/client/replicator.ts');
const { OutpostDb } = await import('../../src/lib/client/db.ts');
const { SHAPE_NAMES } = await import('../../sync/protocol/shape-names.ts');

const writes = Number(process.argv[2] ?? 200);
const many = Number(process.argv[3] ?? 100);

if (!process.env.TEST_DATABASE_URL && !process.env.BENCH_DATABASE_URL) {
  console.log('sync latency: skipped (set TEST_DATABASE_URL to a PostgreSQL server; writes come from a direct connection)');
  process.exit(0);
}

await ensureBuilt();
const dataDir = tmpDir();
const db = await freshPgDatabase();
const srv = await startServer({ dataDir, databaseUrl: db.url, port: Number(process.env.BENCH_PORT ?? 4340) });
const writer = new pg.Client({ connectionString: db.url });
try {
  await writer.connect();
  const token = await login(srv.url, ADMIN.email, ADMIN.password);
  const requester = (await writer.query(`select id from users limit 1`)).rows[0].id;

  const socket = () => new WebSocket(srv.url.replace(/^http/, 'ws') + '/ws', { headers: { authorization: `Bearer ${token}` } });

  let runNo = 0;
  async function run(shapes, transport, device = false) {
    const tag = ++runNo;
    const seen = new Map(); // subject → [arrival time per stream]
    const controllers = [];
    let ready = 0;
    const mux = transport === 'socket' ? new LiveMux({ connect: socket, fallback: (...a) => fetch(...a) }) : null;
    let dexie = null;
    if (device) {
      // The measured device: every shape into its own Dexie, over its own socket.
      const db = new OutpostDb(`bench-latency-${Date.now()}`);
      const devMux = new LiveMux({ connect: socket, fallback: (...a) => fetch(...a) });
      const rep = new Replicator({
        db,
        shapes: SHAPE_NAMES,
        baseUrl: srv.url,
        headers: { authorization: `Bearer ${token}` },
        fetchClient: devMux.fetch,
        onBatch: (shape, msgs) => {
          const now = performance.now();
          if (shape !== 'tickets') return;
          for (const m of msgs) {
            const subj = m.value?.subject;
            if (isChangeMessage(m) && typeof subj === 'string' && subj.startsWith('bench ')) dexie.arrivals.set(subj, now);
          }
        }
      });
      dexie = { db, rep, mux: devMux, arrivals: new Map() };
      await rep.start();
      await rep.whenLive(SHAPE_NAMES, 60_000);
    }
    for (let s = 0; s < shapes; s++) {
      const ac = new AbortController();
      controllers.push(ac);
      const stream = new ShapeStream({
        url: `${srv.url}/api/sync/shape`,
        headers: { authorization: `Bearer ${token}` },
        params: { shape: 'tickets' },
        signal: ac.signal,
        ...(mux ? { fetchClient: mux.fetch } : {})
      });
      let up = false;
      stream.subscribe((msgs) => {
        const now = performance.now();
        for (const m of msgs) {
          if (isChangeMessage(m) && m.headers.operation === 'insert') {
            const subj = m.value.subject;
            if (typeof subj === 'string' && subj.startsWith('bench ')) {
              if (!seen.has(subj)) seen.set(subj, []);
              seen.get(subj).push({ s, at: now });
            }
          } else if (!up && m.headers?.control === 'up-to-date') {
            up = true;
            ready++;
          }
        }
      });
    }
    while (ready < shapes) await new Promise((r) => setTimeout(r, 10));
    // Let every stream settle into its long-poll.
    await new Promise((r) => setTimeout(r, 300));
    const first = [];
    const all = [];
    const intoDexie = [];
    const cpu0 = cpuTimes(srv.pid).server ?? 0;
    for (let i = 0; i < writes; i++) {
      const subject = `bench r${tag} ${shapes} ${transport}${device ? ' device' : ''} ${i}`;
      await writer.query('begin');
      await writer.query(`insert into tickets (subject, requester_id) values ($1, $2)`, [subject, requester]);
      const t0 = performance.now();
      await writer.query('commit');
      const deadline = Date.now() + 10_000;
      while (((seen.get(subject)?.length ?? 0) < shapes || (dexie && !dexie.arrivals.has(subject))) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
      const arrivals = seen.get(subject) ?? [];
      if (arrivals.length < shapes) throw new Error(`write ${i}: only ${arrivals.length}/${shapes} streams saw it within 10 s`);
      if (dexie && !dexie.arrivals.has(subject)) throw new Error(`write ${i}: not in the device's Dexie within 10 s`);
      const s0 = arrivals.find((a) => a.s === 0);
      first.push(s0.at - t0);
      for (const a of arrivals) all.push(a.at - t0);
      if (dexie) intoDexie.push(dexie.arrivals.get(subject) - t0);
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
    const serverCpu = ((cpuTimes(srv.pid).server ?? 0) - cpu0) / writes;
    for (const ac of controllers) ac.abort();
    mux?.close();
    if (dexie) {
      dexie.rep.stop();
      dexie.mux.close();
      dexie.db.close();
    }
    for (const xs of [first, all, intoDexie]) xs.sort((a, b) => a - b);
    return { first, all, intoDexie, serverCpu };
  }

  console.log(`\nsync latency (commit → visible in a ShapeStream), PostgreSQL, ${writes} writes each`);
  const line = (label, xs) => `${label}: p50 ${ms(percentile(xs, 50))}, p99 ${ms(percentile(xs, 99))}, max ${ms(xs[xs.length - 1])}`;
  const onlyDevice = process.env.BENCH_ONLY === 'device';
  for (const n of onlyDevice ? [] : [1, many]) {
    for (const transport of ['http', 'socket']) {
      const { first, all, serverCpu } = await run(n, transport);
      console.log(`  ${String(n).padStart(3)} live shape${n === 1 ? ' ' : 's'} over ${transport.padEnd(6)} — ${line('one stream', first)}${n > 1 ? `; ${line(`all ${n} streams`, all)}` : ''}; server CPU ${serverCpu.toFixed(2)} ms per write`);
    }
  }
  const d = onlyDevice ? null : await run(many, 'socket', true);
  if (d) console.log(`  into Dexie (a device with all ${SHAPE_NAMES.length} shapes over the socket, ${many} other live streams in this process) — ${line('row committed in Dexie', d.intoDexie)}`);

  // Separate clients: the other streams live in another process, this one is one device.
  for (const n of [0, many]) {
    let others = null;
    if (n) {
      others = spawn(process.execPath, [`${root}/tests/bench/sync-latency-others.mjs`, srv.url, token, String(n)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((resolve, reject) => {
        others.stdout.on('data', (b) => String(b).includes('ready') && resolve());
        others.once('exit', (c) => reject(new Error(`other clients exited with ${c}`)));
      });
      await new Promise((r) => setTimeout(r, 300));
    }
    const r = await run(1, 'socket', true);
    console.log(`  one device (1 stream + all ${SHAPE_NAMES.length} shapes into Dexie, socket), ${n} other live streams in another process — ${line('stream', r.first)}; ${line('row committed in Dexie', r.intoDexie)}; server CPU ${r.serverCpu.toFixed(2)} ms per write`);
    if (others) {
      const out = new Promise((r) => others.stdout.on('data', (b) => String(b).startsWith('seen') && r(String(b).trim())));
      others.kill('SIGTERM');
      const seenLine = await Promise.race([out, new Promise((r) => setTimeout(() => r('seen ?'), 2000))]);
      console.log(`    (the other clients received ${seenLine.slice(5)} changes in all)`);
    }
  }
} finally {
  await writer.end().catch(() => {});
  await srv.stop();
  await db.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
