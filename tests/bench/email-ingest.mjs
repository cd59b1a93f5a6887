// Email ingest figures (issue 6), printed:
//   1. IMAP: 1 000 messages waiting in a dovecot folder → all imported (messages/s)
//   2. IMAP IDLE: message appended → committed (watermark visible through the API), p50/p99 (target p99 ≤ 2 s)
//   3. inbound SMTP: 1 000 messages sent by nodemailer over 4 connections, each answered 250 only after it
//      is committed (messages/s; target ≥ 200/s)
//   4. parsing a message with a 10 MB attachment through the ingest's parseEmail: longest event-loop stall (target ≤ 50 ms)
// Needs dovecot (`source .ci/services.sh && start_dovecot`) for 1–2; PostgreSQL when TEST_DATABASE_URL is
// set, otherwise the embedded PGlite. Usage: node tests/bench/email-ingest.mjs [N] [--trace] [--smtp-only]
// --trace: the SQL statements the server sends per inbound SMTP message (bench preload tests/bench/pg-trace.mjs).
// --smtp-only: skips the IMAP figures (1–2), for iterating on figure 3.
import fs from 'node:fs';
import path from 'node:path';
import pgClient from 'pg';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { ensureBuilt, freshPgDatabase, login, percentile, root, startServer, tmpDir } from './lib.mjs';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const TRACE = process.argv.includes('--trace');
const N = Number(args[0] ?? 1000);
// BENCH_PORT overrides the HTTP port (default 4920); inbound SMTP listens on BENCH_PORT + 5.
const PORT = Number(process.env.BENCH_PORT ?? 4920);
const SMTP_PORT = PORT + 5;
const e = process.env;
const imap = e.OUTPOST_TEST_IMAP_PORT && !process.argv.includes('--smtp-only') ? { host: e.OUTPOST_TEST_IMAP_HOST ?? '127.0.0.1', port: Number(e.OUTPOST_TEST_IMAP_PORT), user: e.OUTPOST_TEST_MAIL_USER ?? 'helpdesk', pass: e.OUTPOST_TEST_MAIL_PASSWORD ?? 'helpdeskpw' } : null;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const msg = (i, tag) =>
  [`From: Bench User ${i % 50} <bench${i % 50}@customer.example>`, 'To: support@help.example.com', `Subject: ${tag} ${i}`, `Message-ID: <${tag}.${i}.${Date.now()}@customer.example>`, `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `Bench message ${i}: the printer on floor ${i % 9} is jammed again.`, ''].join('\r\n');

async function imapClient() {
  const c = new ImapFlow({ host: imap.host, port: imap.port, secure: false, doSTARTTLS: false, auth: { user: imap.user, pass: imap.pass }, logger: false });
  c.on('error', () => {});
  await c.connect();
  return c;
}

// The outbound relay: a local SMTP sink, so the acknowledgements the ingest composes are really
// delivered during the run (their cost is part of the figure), not retried against a dead port.
let sunk = 0;
const sink = new SMTPServer({ authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false, onData(stream, _s, cb) { stream.on('data', () => {}); stream.on('end', () => { sunk++; cb(); }); } });
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const sinkPort = sink.server.address().port;

await ensureBuilt();
const pg = await freshPgDatabase();
const dataDir = tmpDir();
const traceFile = path.join(dataDir, 'trace.json');
const traceEnv = TRACE ? { NODE_OPTIONS: `--import ${path.join(root, 'tests/bench/pg-trace.mjs')}`, BENCH_PG_TRACE: traceFile } : {};
const srv = await startServer({ dataDir, databaseUrl: pg?.url, port: PORT, env: { OUTPOST_SMTP_PORT: String(SMTP_PORT), OUTPOST_SMTP_HOST: '127.0.0.1', ...traceEnv } });
/** User + system CPU ms of a process, from /proc (USER_HZ = 100); 0 where /proc is missing. */
const cpuOf = (pid) => {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
};
/** CPU ms per PostgreSQL backend serving the bench database (pid → ms). */
async function pgCpu() {
  if (!pg) return new Map();
  const c = new pgClient.Client({ connectionString: pg.url });
  await c.connect();
  const { rows } = await c.query('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
  await c.end();
  return new Map(rows.map(({ pid }) => [pid, cpuOf(pid)]));
}
const traceSnapshot = async () => {
  process.kill(srv.pid, 'SIGUSR2');
  await sleep(300);
  return JSON.parse(fs.readFileSync(traceFile, 'utf8'));
};
console.log(`email ingest bench on ${pg ? 'PostgreSQL' : 'PGlite'}, N=${N}`);
try {
  const token = await login(srv.url, 'bench-admin@outpost.test', 'bench admin passphrase 2026');
  const api = async (method, p, body) => {
    const r = await fetch(srv.url + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    const j = await r.json().catch(() => undefined);
    if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(j)}`);
    return j;
  };
  await api('POST', '/api/v1/admin/email/mailboxes', { name: 'Relay', kind: 'smtp', address: 'support@help.example.com', host: '127.0.0.1', port: sinkPort, security: 'none', auth_method: 'none', is_default: true });
  const lastUid = async (id) => Number((await api('GET', '/api/v1/admin/email/mailboxes')).items.find((m) => m.id === id).last_uid ?? 0);

  if (!imap) console.log('IMAP: skipped (dovecot not running: source .ci/services.sh && start_dovecot)');
  else {
    // 1. a backlog of N messages
    const c = await imapClient();
    if (!(await c.list()).some((b) => b.path === 'Bench')) await c.mailboxCreate('Bench');
    let box = await c.mailboxOpen('Bench');
    if (box.exists) await c.messageDelete('1:*');
    const base = Number((await c.status('Bench', { uidNext: true })).uidNext) - 1;
    const tA = performance.now();
    for (let i = 0; i < N; i++) await c.append('Bench', msg(i, 'IMAP bench'));
    console.log(`IMAP: appended ${N} messages in ${((performance.now() - tA) / 1000).toFixed(1)} s`);
    const t0 = performance.now();
    const [icpu0, ipg0] = [cpuOf(srv.pid), await pgCpu()];
    const id = (await api('POST', '/api/v1/admin/email/mailboxes', { name: 'Bench IMAP', kind: 'imap', host: imap.host, port: imap.port, security: 'none', username: imap.user, secret: imap.pass, folder: 'Bench', use_idle: false, enabled: true })).id;
    while ((await lastUid(id)) < base + N) await sleep(100);
    const s = (performance.now() - t0) / 1000;
    console.log(`IMAP backlog: ${N} messages imported in ${s.toFixed(1)} s = ${(N / s).toFixed(0)} messages/s`);
    const ipg1 = await pgCpu();
    const ipgPer = [...ipg1].reduce((a, [pid, v]) => a + v - (ipg0.get(pid) ?? 0), 0) / N;
    console.log(`  CPU per message: server ${((cpuOf(srv.pid) - icpu0) / N).toFixed(2)} ms, PostgreSQL backends ${ipgPer.toFixed(2)} ms (the acknowledgements' delivery partly included)`);
    await api('PATCH', `/api/v1/admin/email/mailboxes/${id}`, { enabled: false });

    // 2. IDLE arrival → committed
    box = await c.mailboxOpen('INBOX');
    if (box.exists) await c.messageDelete('1:*');
    const idle = (await api('POST', '/api/v1/admin/email/mailboxes', { name: 'Bench IDLE', kind: 'imap', host: imap.host, port: imap.port, security: 'none', username: imap.user, secret: imap.pass, folder: 'INBOX', use_idle: true, poll_interval_seconds: 300, enabled: true })).id;
    while (!(await api('GET', '/api/v1/admin/email/mailboxes')).items.find((m) => m.id === idle).last_success_at) await sleep(50);
    await sleep(500);
    const lat = [];
    for (let i = 0; i < 30; i++) {
      const before = Number((await c.status('INBOX', { uidNext: true })).uidNext);
      const t = performance.now();
      await c.append('INBOX', msg(i, 'IDLE bench'));
      while ((await lastUid(idle)) < before) await sleep(10);
      lat.push(performance.now() - t);
      await sleep(100);
    }
    lat.sort((a, b) => a - b);
    console.log(`IMAP IDLE arrival → committed (30 messages): p50 ${percentile(lat, 50).toFixed(0)} ms, p99 ${percentile(lat, 99).toFixed(0)} ms (target p99 ≤ 2000 ms)`);
    await api('PATCH', `/api/v1/admin/email/mailboxes/${idle}`, { enabled: false });
    await c.logout();
  }

  // 3. inbound SMTP
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: SMTP_PORT, secure: false, ignoreTLS: true, pool: true, maxConnections: 4, maxMessages: Infinity });
  const tr0 = TRACE ? await traceSnapshot() : null;
  const sunk0 = sunk;
  const cpu0 = cpuOf(srv.pid);
  const pg0 = await pgCpu();
  const me0 = process.cpuUsage();
  const t1 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < N) {
        const i = next++;
        await transport.sendMail({ envelope: { from: `bench${i % 50}@customer.example`, to: ['support@help.example.com'] }, raw: msg(i, 'SMTP bench') });
      }
    })
  );
  const s1 = (performance.now() - t1) / 1000;
  const sunkAtEnd = sunk - sunk0;
  const cpu1 = cpuOf(srv.pid);
  const pg1 = await pgCpu();
  const me1 = process.cpuUsage(me0);
  transport.close();
  console.log(`inbound SMTP: ${N} messages accepted (each committed before 250) in ${s1.toFixed(1)} s = ${(N / s1).toFixed(0)} messages/s (target ≥ 200/s)`);
  const pgPer = [...pg1].reduce((a, [pid, v]) => a + v - (pg0.get(pid) ?? 0), 0) / N;
  console.log(`  CPU per message: server ${((cpu1 - cpu0) / N).toFixed(2)} ms, PostgreSQL backends ${pgPer.toFixed(2)} ms, bench (sender + sink) ${((me1.user + me1.system) / 1000 / N).toFixed(2)} ms`);
  console.log(`outbound: ${sunk} acknowledgements delivered to the relay sink by the end of the run (${sunkAtEnd} of this run's ${N} during it)`);
  const tw = performance.now();
  while (sunk - sunk0 < N && performance.now() - tw < 120_000) await sleep(50);
  console.log(`outbound: all ${sunk - sunk0} of this run's acknowledgements delivered ${((performance.now() - t1) / 1000).toFixed(1)} s after the first message was sent`);
  if (TRACE) {
    const tr1 = await traceSnapshot();
    const diff = Object.entries(tr1)
      .map(([k, v]) => [k, (v.n - (tr0[k]?.n ?? 0)) / N, (v.ms - (tr0[k]?.ms ?? 0)) / N])
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]);
    const sum = (i) => diff.reduce((a, x) => a + x[i], 0);
    console.log(`trace: ${sum(1).toFixed(1)} statements, ${sum(2).toFixed(2)} ms of statement time (send → result) per message (ingest + acknowledgement delivery)`);
    for (const [k, n, t] of diff) console.log(`  ${n.toFixed(2)} × ${(t / n).toFixed(3)} ms  ${k}`);
  }
} finally {
  await srv.stop();
  await pg?.drop();
  sink.close();
}

// 4. event-loop stalls while the ingest's parseEmail handles a 10 MB attachment (worker pool), and inline for comparison
const { spawnSync } = await import('node:child_process');
const stall = spawnSync(process.execPath, ['--import', 'tsx', 'tests/bench/email-parse-stall.ts'], { encoding: 'utf8' });
process.stdout.write(stall.stdout);
if (stall.status !== 0) console.log(`parse stall bench failed: ${stall.stderr}`);
