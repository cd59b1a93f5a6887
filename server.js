// Outpost's process entry: serves the SvelteKit app (adapter-node handler) and the `/ws`
// WebSocket endpoint on one port. `node server.js` builds first when the build is missing or
// older than the sources, so `npm install && npm start` works on a fresh clone.
//
//   node server.js                 serve (PORT, default 3000)
//   node server.js --migrate-only  apply pending migrations and exit
//
// Everything with rules in it (auth, rooms, events) lives in the app bundle; this file only wires
// sockets. The bundle registers its runtime on globalThis[Symbol.for('outpost.runtime')].
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const RUNTIME = Symbol.for('outpost.runtime');
const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * Handles HTTP upgrades on `/ws`. In dev, other upgrade paths belong to Vite's HMR socket and are
 * left alone; in production they are refused (otherwise Node leaves them hanging).
 * @param {import('node:http').Server} server
 * @param {{ rejectOthers?: boolean }} [options]
 */
export function attachWebSocket(server, options = {}) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') {
      if (options.rejectOthers) refuse(socket, 404, 'Not Found');
      return;
    }
    const runtime = /** @type {any} */ (globalThis)[RUNTIME];
    if (!runtime) return refuse(socket, 503, 'Service Unavailable');
    Promise.resolve(runtime.authenticateUpgrade(req))
      .then((/** @type {{ ok: boolean, status?: number, user?: unknown, reauth?: () => Promise<unknown> }} */ result) => {
        if (!result.ok) return refuse(socket, result.status ?? 401, result.status === 403 ? 'Forbidden' : 'Unauthorized');
        wss.handleUpgrade(req, socket, head, (ws) => runtime.onConnection(ws, result.user, result.reauth, req));
      })
      .catch(() => refuse(socket, 500, 'Internal Server Error'));
  });
  return wss;
}

/** @param {import('node:stream').Duplex} socket @param {number} status @param {string} text */
function refuse(socket, status, text) {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function newestMtime(/** @type {string} */ p) {
  let newest = 0;
  const stack = [p];
  while (stack.length) {
    const cur = /** @type {string} */ (stack.pop());
    let st;
    try {
      st = fs.statSync(cur);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(cur)) if (e !== 'node_modules' && !e.startsWith('.')) stack.push(path.join(cur, e));
    } else newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

function ensureBuilt() {
  const handler = path.join(root, 'build', 'handler.js');
  const sources = ['src', 'sync', 'migrations', 'static', 'svelte.config.js', 'vite.config.ts', 'package-lock.json', 'server.js'];
  const built = fs.existsSync(handler) ? fs.statSync(handler).mtimeMs : 0;
  const stale = !built || (process.env.OUTPOST_SKIP_BUILD !== '1' && sources.some((s) => newestMtime(path.join(root, s)) > built));
  if (!stale) return;
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!fs.existsSync(vite)) {
    if (built) return; // production install without dev dependencies: serve the build we have
    console.error('outpost: no build/ and no dev dependencies to build with; run `npm install` first');
    process.exit(1);
  }
  console.log(JSON.stringify({ level: 'info', msg: built ? 'sources changed, rebuilding' : 'building Outpost (first start)' }));
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

async function main() {
  const migrateOnly = process.argv.includes('--migrate-only');
  ensureBuilt();
  if (process.argv.includes('--build-only')) return;
  process.env.NODE_ENV ??= 'production';
  // JSON bodies are limited per route by the app (413 naming the limit); uploads stream.
  process.env.BODY_SIZE_LIMIT ??= 'Infinity';
  if (migrateOnly) process.env.OUTPOST_MIGRATE_ONLY = '1';
  // adapter-node assumes https unless told otherwise. Outpost derives the scheme itself: the
  // socket's own, or (OUTPOST_TRUST_PROXY=1) the reverse proxy's X-Forwarded-* headers.
  const trustProxy = /^(1|true|yes)$/i.test(process.env.OUTPOST_TRUST_PROXY ?? '');
  if (process.env.OUTPOST_PUBLIC_URL && !process.env.ORIGIN) process.env.ORIGIN = new URL(process.env.OUTPOST_PUBLIC_URL).origin;
  process.env.PROTOCOL_HEADER ??= 'x-forwarded-proto';
  if (trustProxy) {
    process.env.HOST_HEADER ??= 'x-forwarded-host';
    process.env.ADDRESS_HEADER ??= 'x-forwarded-for';
    process.env.XFF_DEPTH ??= '1';
  }
  const started = performance.now();
  const { handler } = await import(path.join(root, 'build', 'handler.js'));
  if (migrateOnly) {
    await /** @type {any} */ (globalThis)[RUNTIME]?.shutdown?.();
    return;
  }
  const server = http.createServer((req, res) => {
    if (!trustProxy) {
      // A client cannot choose our scheme or host by sending forwarding headers.
      req.headers['x-forwarded-proto'] = /** @type {any} */ (req.socket).encrypted ? 'https' : 'http';
      delete req.headers['x-forwarded-host'];
    }
    // Defaults for every response, including static files and the prerendered shell, which
    // never pass through the app's hooks. The app sets its own where it knows better.
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Permissions-Policy', 'camera=(self), microphone=(), geolocation=(self), payment=()');
    if (!req.url?.startsWith('/api/')) res.setHeader('Content-Security-Policy', "frame-ancestors 'none'; base-uri 'self'; object-src 'none'");
    handler(req, res, () => res.writeHead(404).end('Not found'));
  });
  const wss = attachWebSocket(server, { rejectOthers: true });
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST || undefined;
  server.listen(port, host, () => {
    const ms = Math.round(performance.now() - started);
    const addr = server.address();
    const actual = typeof addr === 'object' && addr ? addr.port : port;
    console.log(JSON.stringify({ level: 'info', msg: 'listening', url: `http://localhost:${actual}`, port: actual, host: host ?? '::', readyMs: ms }));
  });
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.close();
    server.closeAllConnections?.();
    await /** @type {any} */ (globalThis)[RUNTIME]?.shutdown?.();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(JSON.stringify({ level: 'fatal', msg: 'startup failed', error: String(err?.stack ?? err) }));
    process.exit(1);
  });
}
