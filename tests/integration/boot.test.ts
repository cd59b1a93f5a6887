// First start and restarts of the real server: migrations, the first admin (given or generated and
// printed once), demo data, --migrate-only; on each available database.
import { describe, it, expect, inject } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, Client } from '../support/server';
import { freshPostgresDatabase, type Backend } from '../support/backends';

const backends = inject('backends') as Backend[];

describe.each(backends)('first start on %s', (backend) => {
  it('generates the first admin password, prints it once, and it works', async () => {
    const first = await startServer(backend, { OUTPOST_ADMIN_PASSWORD: '', OUTPOST_ADMIN_EMAIL: '' });
    const out = first.logs.join('');
    const m = /email:\s+(\S+)\s+password:\s+(\S+)/.exec(out);
    expect(m, out).not.toBeNull();
    const [, email, password] = m!;
    expect(email).toBe('admin@outpost.local');
    expect(password.length).toBeGreaterThanOrEqual(16);
    const c = new Client(first.url);
    expect((await c.login(email, password)).json.user.roles).toEqual(['admin']);
    // the password appears exactly once, never in a structured log line
    expect(out.split(password)).toHaveLength(2);
    for (const line of out.split('\n').filter((l) => l.startsWith('{'))) expect(line).not.toContain(password);
    await first.stop({ keepData: true });

    const again = await startServer(backend, { OUTPOST_ADMIN_PASSWORD: '', OUTPOST_ADMIN_EMAIL: '' }, { dataDir: first.dataDir, databaseUrl: first.databaseUrl });
    try {
      expect(again.logs.join('')).not.toMatch(/password:/);
      expect((await new Client(again.url).post('/api/auth/login', { email, password })).status).toBe(200);
      const health = await new Client(again.url).get('/api/health');
      expect(health.json.db.schemaVersion).toBeGreaterThanOrEqual(2);
    } finally {
      await again.stop();
    }
  });

  it('loads the demo helpdesk with OUTPOST_DEMO=1', async () => {
    const srv = await startServer(backend, { OUTPOST_DEMO: '1' });
    try {
      expect(srv.logs.join('')).toMatch(/Demo agents sign in with the password: outpost-demo/);
      const admin = new Client(srv.url);
      await admin.login('admin@outpost.test', 'correct horse battery staple 42');
      const audit = await admin.get('/api/v1/admin/audit?action=demo.load');
      expect(audit.json.items).toHaveLength(1);
      const counts = audit.json.items[0].diff;
      expect(Number(counts.tickets.to)).toBeGreaterThanOrEqual(300);
      expect(Number(counts.kb_articles.to)).toBeGreaterThanOrEqual(30);
      expect(Number(counts.assets.to)).toBeGreaterThanOrEqual(100);
      const agents = await admin.get('/api/v1/admin/users?role=agent&limit=5');
      expect(agents.json.total).toBeGreaterThanOrEqual(10);
      const agent = new Client(srv.url);
      const login = await agent.login(agents.json.items[0].email, 'outpost-demo');
      expect(login.json.user.roles).toContain('agent');
    } finally {
      await srv.stop();
    }
  });
});

describe('npm run db:migrate', () => {
  it('applies the migrations and exits', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-mig-'));
    const pgdb = backends.includes('postgres') ? await freshPostgresDatabase('outpost_migcli') : undefined;
    try {
      for (const url of [undefined, pgdb?.url].filter((u, i) => i === 0 || u)) {
        const r = spawnSync(process.execPath, ['server.js', '--migrate-only'], {
          env: { ...process.env, OUTPOST_SKIP_BUILD: '1', OUTPOST_DATA_DIR: dataDir, DATABASE_URL: url ?? '' },
          encoding: 'utf8',
          timeout: 60_000
        });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/"migrationsApplied":\["0001_identity","0002_service_desk"/);
        expect(r.stdout).not.toMatch(/first admin/);
      }
    } finally {
      await pgdb?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
