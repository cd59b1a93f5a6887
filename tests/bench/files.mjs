// Files: upload and download throughput of a 100 MB file through the real server (streaming,
// SHA-256, content sniffing, fsync on upload), and the server's RSS growth while doing it.
//   node tests/bench/files.mjs [runs=3]       (PGlite; with TEST_DATABASE_URL also PostgreSQL)
import fs from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { ADMIN, ensureBuilt, freshPgDatabase, login, startServer, tmpDir } from './lib.mjs';

const RUNS = Number(process.argv[2] ?? 3);
const SIZE = 100 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const PORT = 4461;

/** A JPEG-looking 100 MB stream generated on the fly (the client holds only one chunk). */
function body(hash) {
  const chunk = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(CHUNK - 4)]);
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= SIZE) return c.close();
      sent += CHUNK;
      hash.update(chunk);
      c.enqueue(chunk);
    }
  });
}

function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function bench(label, databaseUrl) {
  const dataDir = tmpDir();
  const srv = await startServer({ dataDir, databaseUrl, port: PORT });
  try {
    const token = await login(srv.url, ADMIN.email, ADMIN.password);
    const headers = { authorization: `Bearer ${token}` };
    const up = [];
    const down = [];
    let peakGrowth = 0;
    let downGrowth = 0;
    for (let i = 0; i < RUNS; i++) {
      const hash = createHash('sha256');
      const pid = srv.pid;
      const base = pid ? rssMb(pid) : NaN;
      let peak = base;
      const sampler = pid ? setInterval(() => (peak = Math.max(peak, rssMb(pid))), 25) : null;
      let t = performance.now();
      const r = await fetch(`${srv.url}/api/v1/files`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/octet-stream', 'x-filename': `bench-${i}.jpg` },
        body: body(hash),
        duplex: 'half'
      });
      const meta = await r.json();
      const upS = (performance.now() - t) / 1000;
      if (sampler) clearInterval(sampler);
      if (r.status !== 201 || meta.sha256 !== hash.digest('hex')) throw new Error(`upload failed: ${r.status} ${JSON.stringify(meta)}`);
      up.push(SIZE / 1024 / 1024 / upS);
      if (i > 0) peakGrowth = Math.max(peakGrowth, peak - base);

      const dBase = pid ? rssMb(pid) : NaN;
      let dPeak = dBase;
      const dSampler = pid ? setInterval(() => (dPeak = Math.max(dPeak, rssMb(pid))), 25) : null;
      t = performance.now();
      const d = await fetch(`${srv.url}/api/v1/files/${meta.id}`, { headers });
      const check = createHash('sha256');
      let n = 0;
      for await (const c of d.body) {
        n += c.length;
        check.update(c);
      }
      const downS = (performance.now() - t) / 1000;
      if (dSampler) clearInterval(dSampler);
      if (i > 0) downGrowth = Math.max(downGrowth, dPeak - dBase);
      if (n !== SIZE || check.digest('hex') !== meta.sha256) throw new Error('download mismatch');
      down.push(SIZE / 1024 / 1024 / downS);
    }
    const fmt = (xs) => `${Math.max(...xs).toFixed(0)} best / ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(0)} mean MB/s`;
    console.log(`files ${label}: 100 MB upload ${fmt(up)}; download ${fmt(down)}; server RSS growth (after the first run) upload ${peakGrowth.toFixed(1)} MB, download ${downGrowth.toFixed(1)} MB (${RUNS} runs)`);
  } finally {
    await srv.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await ensureBuilt();
await bench('PGlite', undefined);
const pgdb = await freshPgDatabase();
if (pgdb) {
  try {
    await bench('PostgreSQL', pgdb.url);
  } finally {
    await pgdb.drop();
  }
}
