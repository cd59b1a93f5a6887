// Real-time latency on the real PostgreSQL in TEST_DATABASE_URL, two app instances on one database:
//  1. commit → event received: 200 sockets (half on each instance, all staff, so every new ticket
//     fans out to all 200) while single-row ticket inserts commit one at a time from a direct pg
//     connection, 5–25 ms apart. Measured per socket per write until its `ticket:created` arrived
//     (same machine, same clock) from two points: COMMIT sent (includes the commit itself) and
//     COMMIT returned to the writer (an event can arrive before the writer has read the reply).
//  2. presence propagation: a socket on instance 1 flips its state (viewing ↔ typing) on a ticket;
//     time until a watcher on instance 2 (LISTEN/NOTIFY) — and one on instance 1 — sees it.
// Usage: node tests/bench/realtime.mjs [writes=200] [sockets=200] [flips=200]
import pg from 'pg';
import WebSocket from 'ws';
import { ensureBuilt, startServer, tmpDir, freshPgDatabase, percentile, ms, ADMIN, login } from './lib.mjs';

const writes = Number(process.argv[2] ?? 200);
const nSockets = Number(process.argv[3] ?? 200);
const flips = Number(process.argv[4] ?? 200);

if (!process.env.TEST_DATABASE_URL && !process.env.BENCH_DATABASE_URL) {
  console.log('realtime: skipped (set TEST_DATABASE_URL to a PostgreSQL server)');
  process.exit(0);
}

const sleep = (t) => new Promise((r) => setTimeout(r, t));

function open(url, token, onMessage) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws', { headers: { authorization: `Bearer ${token}` } });
    ws.on('message', (d) => onMessage(JSON.parse(String(d)), performance.now()));
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const summary = (label, xs) => {
  const s = [...xs].sort((a, b) => a - b);
  console.log(`${label}: n=${s.length}  p50 ${ms(percentile(s, 50))}  p99 ${ms(percentile(s, 99))}  max ${ms(s[s.length - 1] ?? NaN)}`);
};

await ensureBuilt();
const db = await freshPgDatabase();
const srv1 = await startServer({ dataDir: tmpDir(), databaseUrl: db.url, port: 4810 });
const srv2 = await startServer({ dataDir: tmpDir(), databaseUrl: db.url, port: 4811 });
const writer = new pg.Client({ connectionString: db.url });
const sockets = [];
try {
  await writer.connect();
  const token = await login(srv1.url, ADMIN.email, ADMIN.password);
  const requester = (await writer.query(`select id from users where lower(email) = lower($1)`, [ADMIN.email])).rows[0].id;

  // ── 1. commit → event, 200 sockets ────────────────────────────────────────────────────────
  const commits = new Map(); // subject → { sent, returned }
  const arrivals = []; // [subject, ms]
  let received = 0;
  const onEvent = (m, at) => {
    if (m.type !== 'ticket:created' || !String(m.subject).startsWith('bench-rt-')) return;
    arrivals.push([m.subject, at]);
    received++;
  };
  for (let i = 0; i < nSockets; i++) sockets.push(await open(i % 2 ? srv2.url : srv1.url, token, onEvent));
  await sleep(500);
  const t0 = performance.now();
  for (let i = 0; i < writes; i++) {
    const subject = `bench-rt-${i}`;
    await writer.query('begin');
    await writer.query(`insert into tickets (subject, requester_id) values ($1, $2)`, [subject, requester]);
    const sent = performance.now();
    await writer.query('commit');
    commits.set(subject, { sent, returned: performance.now() });
    await sleep(5 + Math.random() * 20);
  }
  const expected = writes * nSockets;
  const deadline = performance.now() + 30_000;
  while (received < expected && performance.now() < deadline) await sleep(20);
  const wall = (performance.now() - t0) / 1000;
  console.log(`realtime events: ${writes} commits, ${nSockets} sockets (${Math.ceil(nSockets / 2)} on instance 1, ${Math.floor(nSockets / 2)} on instance 2), ${received}/${expected} events in ${wall.toFixed(1)} s`);
  summary('  COMMIT sent → ticket:created received', arrivals.map(([sub, at]) => at - commits.get(sub).sent));
  summary('  COMMIT returned → ticket:created received', arrivals.map(([sub, at]) => at - commits.get(sub).returned));

  // ── 2. presence propagation across instances ─────────────────────────────────────────────
  const ticket = (await writer.query(`insert into tickets (subject, requester_id) values ('presence bench', $1) returning id`, [requester])).rows[0].id;
  const me = (await writer.query(`select id from users where lower(email) = lower($1)`, [ADMIN.email])).rows[0].id;
  let pending = null; // { state, at, remote: null|number, local: null|number }
  const remote = [];
  const local = [];
  const watcher = (kind) => (m, at) => {
    if (m.type !== 'presence' || m.ticketId !== ticket || !pending) return;
    if (!m.users.some((u) => u.userId === me && u.state === pending.state)) return;
    if (kind === 'remote' && pending.remote === null) pending.remote = at - pending.at;
    if (kind === 'local' && pending.local === null) pending.local = at - pending.at;
  };
  const actor = await open(srv1.url, token, () => {});
  const far = await open(srv2.url, token, watcher('remote'));
  const near = await open(srv1.url, token, watcher('local'));
  sockets.push(actor, far, near);
  for (const s of [actor, far, near]) s.send(JSON.stringify({ type: 'ticket.watch', ticketId: ticket }));
  await sleep(500);
  for (let i = 0; i < flips; i++) {
    const state = i % 2 ? 'viewing' : 'typing';
    pending = { state, at: performance.now(), remote: null, local: null };
    actor.send(JSON.stringify({ type: 'presence.set', ticketId: ticket, state }));
    const end = performance.now() + 5_000;
    while ((pending.remote === null || pending.local === null) && performance.now() < end) await sleep(1);
    if (pending.remote !== null) remote.push(pending.remote);
    if (pending.local !== null) local.push(pending.local);
    await sleep(5 + Math.random() * 10);
  }
  console.log(`presence: ${flips} state changes by a socket on instance 1`);
  summary('  → watcher on instance 2 (LISTEN/NOTIFY)', remote);
  summary('  → watcher on instance 1 (same instance)', local);
} finally {
  for (const s of sockets) s.terminate();
  await writer.end().catch(() => {});
  await srv1.stop();
  await srv2.stop();
  await db.drop();
}
