// Starts the built server (`node server.js`) as a child process on a free port, against a fresh
// embedded data directory or a fresh PostgreSQL database, and gives tests an HTTP client.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropTestDatabase, freshPostgresDatabase, type Backend } from './backends';

export const ADMIN_EMAIL = 'admin@outpost.test';
export const ADMIN_PASSWORD = 'correct horse battery staple 42';
export const TEST_SECRET = 'integration-test-secret-0123456789abcdef0123456789';

export interface RunningServer {
  url: string;
  backend: Backend;
  logs: string[];
  dataDir: string;
  databaseUrl?: string;
  /** The server process id (memory measurements, crash tests with SIGKILL). */
  pid: number;
  /** Stops the server; with keepData the data dir / database survive for a restart. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export interface Reuse {
  dataDir: string;
  databaseUrl?: string;
  drop?: () => Promise<void>;
}

export async function startServer(backend: Backend, env: Record<string, string> = {}, reuse?: Reuse): Promise<RunningServer> {
  const dataDir = reuse?.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-it-'));
  // A restarted server owns the database it reuses: stopping it without keepData drops it.
  const db = reuse ? (reuse.databaseUrl ? { url: reuse.databaseUrl, drop: reuse.drop ?? (() => dropTestDatabase(reuse.databaseUrl!)) } : undefined) : backend === 'postgres' ? await freshPostgresDatabase() : undefined;
  const child: ChildProcess = spawn(process.execPath, ['server.js'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      OUTPOST_SKIP_BUILD: '1',
      OUTPOST_DATA_DIR: dataDir,
      OUTPOST_SECRET: TEST_SECRET,
      OUTPOST_ADMIN_EMAIL: ADMIN_EMAIL,
      OUTPOST_ADMIN_PASSWORD: ADMIN_PASSWORD,
      OUTPOST_LOG_LEVEL: 'info',
      DATABASE_URL: db?.url ?? '',
      ...env
    } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe']
  });
  const logs: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 120 s:\n${logs.join('')}`)), 120_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      logs.push(text);
      for (const line of text.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const j = JSON.parse(line);
          if (j.msg === 'listening') {
            clearTimeout(timer);
            resolve(`http://127.0.0.1:${j.port}`);
          }
        } catch {
          /* partial line */
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => logs.push(c.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${logs.join('')}`));
    });
  });
  return {
    url,
    backend,
    logs,
    dataDir,
    databaseUrl: db?.url,
    pid: child.pid!,
    async stop(opts) {
      child.removeAllListeners('exit');
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      if (opts?.keepData) return;
      await db?.drop().catch(() => {});
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };
}

/** A tiny browser-like client: keeps cookies, sends Origin like a same-origin page would. */
export class Client {
  readonly cookies = new Map<string, string>();
  constructor(
    readonly base: string,
    readonly opts: { origin?: string | null; bearer?: string } = {}
  ) {}

  async request(method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined && typeof body !== 'string') h['content-type'] ??= 'application/json';
    if (typeof body === 'string') h['content-type'] ??= 'application/json';
    const origin = this.opts.origin === undefined ? this.base : this.opts.origin;
    if (origin && method !== 'GET') h.origin ??= origin;
    if (this.opts.bearer) h.authorization = `Bearer ${this.opts.bearer}`;
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (cookie) h.cookie = cookie;
    const res = await fetch(this.base + p, { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), redirect: 'manual' });
    for (const sc of res.headers.getSetCookie()) {
      const [pair] = sc.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      if (!value || /expires=Thu, 01 Jan 1970/i.test(sc) || /max-age=0/i.test(sc)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text, setCookies: res.headers.getSetCookie() };
  }
  get(p: string, headers?: Record<string, string>) {
    return this.request('GET', p, undefined, headers);
  }
  post(p: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('POST', p, body, headers);
  }
  patch(p: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('PATCH', p, body, headers);
  }
  delete(p: string, headers?: Record<string, string>) {
    return this.request('DELETE', p, undefined, headers);
  }
  async login(email: string, password: string) {
    const r = await this.post('/api/auth/login', { email, password });
    if (r.status !== 200) throw new Error(`login ${email} failed: ${r.status} ${r.text}`);
    return r;
  }
}
