// Builds the app once (if sources changed) so every integration test talks to the real
// production server (`node server.js`), and reports which database backends are available.
import { spawnSync } from 'node:child_process';
import { probePostgres, requireServices } from '../support/backends';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject) {
  const r = spawnSync(process.execPath, ['server.js', '--build-only'], { stdio: 'inherit', env: { ...process.env, OUTPOST_SKIP_BUILD: '' } });
  if (r.status !== 0) throw new Error('build failed');
  const pgProbe = await probePostgres();
  const backends = ['pglite'];
  if (pgProbe.ok) backends.push('postgres');
  else if (requireServices) throw new Error(`OUTPOST_REQUIRE_SERVICES=1 but ${pgProbe.reason}`);
  else console.warn(`\n[skip] PostgreSQL integration tests skipped: ${pgProbe.reason}\n`);
  project.provide('backends', backends);
}

declare module 'vitest' {
  export interface ProvidedContext {
    backends: string[];
  }
}
