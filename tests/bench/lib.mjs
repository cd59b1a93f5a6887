// Shared helpers for the benchmark scripts: start the built server, percentiles, a client.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const ADMIN = { email: 'bench-admin@outpost.test', password: 'bench admin passphrase 2026' };

export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
export const ms = (x) => `${x.toFixed(1)} ms`;

export async function freshPgDatabase(base = process.env.TEST_DATABASE_URL ?? process.env.BENCH_DATABASE_URL) {
  if (!base) return null;
  const name = `outpost_bench_${Date.now().toString(36)}`;
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const d = new pg.Client({ connectionString: base });
      await d.connect();
      await d.query(`drop database if exists ${name} with (force)`);
      await d.end();
    }
  };
}

/** Spawns `node server.js`; resolves when GET /api/health first answers 200, with the time it took. */
/** `BENCH_SERVER_PROFILE=<dir>` writes a V8 CPU profile of the server there (open in Chrome DevTools). */
export async function startServer({ dataDir, databaseUrl, port, env = {} }) {
  const t0 = performance.now();
  const prof = process.env.BENCH_SERVER_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_PROFILE}`] : [];
  const child = spawn(process.execPath, [...prof, 'server.js'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      OUTPOST_SKIP_BUILD: '1',
      OUTPOST_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl ?? '',
      OUTPOST_ADMIN_EMAIL: ADMIN.email,
      OUTPOST_ADMIN_PASSWORD: ADMIN.password,
      OUTPOST_SECRET: 'bench-secret-bench-secret-bench-secret-0001',
      OUTPOST_LOG_LEVEL: 'warn',
      ...env
    },
    stdio: ['ignore', 'ignore', 'inherit']
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const r = await fetch(url + '/api/health');
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const firstOk = performance.now() - t0;
  return {
    url,
    firstOk,
    pid: child.pid,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  };
}

export const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bench-'));

export function ensureBuilt() {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['server.js', '--build-only'], { cwd: root, stdio: 'inherit' });
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error('build failed'))));
  });
}

export async function login(url, email, password) {
  const r = await fetch(url + '/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (r.status !== 200) throw new Error(`login failed ${r.status} ${await r.text()}`);
  return (await r.json()).accessToken;
}

/** Seeds n tickets by SQL, all requested by the bench admin; returns the time it took (ms). */
export async function seedTickets(databaseUrl, n) {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query('select id from users where lower(email) = lower($1)', [ADMIN.email]);
    const t0 = performance.now();
    await c.query(
      `insert into tickets (subject, description, status, priority, requester_id, tags, created_at, updated_at)
       select 'Ticket ' || g, repeat('Lorem ipsum dolor sit amet. ', 8), (array['new','in_progress','waiting'])[1 + g % 3],
              (array['low','medium','high','critical'])[1 + g % 4], $1, array['printer','vpn'], now() - g * interval '1 minute', now()
       from generate_series(1, $2::int) g`,
      [rows[0].id, n]
    );
    return performance.now() - t0;
  } finally {
    await c.end();
  }
}

/**
 * CPU time (ms, user + system) used so far, read from /proc (Linux; {} elsewhere): `server` = the
 * process `serverPid`, `chromium-<type>` = the Chromium processes this process started (Playwright
 * launches the browser as our child), by process type.
 */
export function cpuTimes(serverPid, browserRoot = process.pid) {
  const out = {};
  let dirs = [];
  try {
    dirs = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  const procs = new Map();
  for (const d of dirs) {
    try {
      const x = processCpu(d);
      procs.set(Number(d), { ppid: x.ppid, chromium: x.name.startsWith('chrom'), ms: x.user + x.sys });
    } catch {
      /* gone */
    }
  }
  const under = (pid, root) => {
    for (let p = pid, n = 0; p > 1 && n < 20; p = procs.get(p)?.ppid ?? 0, n++) if (p === root) return true;
    return false;
  };
  for (const [pid, { ms, chromium }] of procs) {
    if (pid === serverPid) out.server = ms;
    else if (chromium && under(pid, browserRoot)) {
      let type = 'browser';
      try {
        type = /--type=([a-z-]+)/.exec(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? 'browser';
      } catch {
        /* gone */
      }
      out[`chromium-${type}`] = (out[`chromium-${type}`] ?? 0) + ms;
    }
  }
  return out;
}

/** User and system CPU ms of one process, its parent and its name, from /proc/<pid>/stat (USER_HZ = 100). */
export function processCpu(pid) {
  const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) * 10, sys: Number(f[12]) * 10, ppid: Number(f[1]), name: st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')) };
}

/** CPU ms used so far by each PostgreSQL backend connected to `databaseUrl`'s database (pid → ms). */
export async function pgBackendCpu(databaseUrl) {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  const { rows } = await c.query('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
  await c.end();
  const out = new Map();
  for (const { pid } of rows) {
    try {
      const x = processCpu(pid);
      out.set(pid, x.user + x.sys);
    } catch {
      /* gone */
    }
  }
  return out;
}

/** PostgreSQL backend CPU ms used between two `pgBackendCpu` readings. */
export const pgCpuBetween = (before, after) => [...after].reduce((a, [pid, v]) => a + v - (before.get(pid) ?? 0), 0);

/**
 * With the server started under tests/bench/pg-trace.mjs (`traceEnv(file)`), runs `fn` and returns
 * the statements it caused, per unit of `per`: [text, count, ms] sorted by time.
 */
export async function traceDuring(pid, file, per, fn) {
  const snap = async () => {
    process.kill(pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 200));
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  };
  const before = await snap();
  await fn();
  const after = await snap();
  return Object.entries(after)
    .map(([k, v]) => [k, (v.n - (before[k]?.n ?? 0)) / per, (v.ms - (before[k]?.ms ?? 0)) / per])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[2] - a[2]);
}

/** Server environment that loads the statement tracer, writing to `file`. */
export const traceEnv = (file) => ({ NODE_OPTIONS: `--import ${path.join(root, 'tests/bench/pg-trace.mjs')}`, BENCH_PG_TRACE: file });
