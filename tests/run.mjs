#!/usr/bin/env node
// `npm test`: unit and integration tests (vitest; integration runs the built server against
// PGlite, and against PostgreSQL when TEST_DATABASE_URL is set), then the browser smoke tests
// (Playwright in Debian's Chromium). A missing service is skipped with a message, or fails the run
// when OUTPOST_REQUIRE_SERVICES=1 (CI). Ends with one summary line: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const strict = process.env.OUTPOST_REQUIRE_SERVICES === '1';
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
const skips = [];
let exitCode = 0;

function run(label, cmd, args, env = {}) {
  console.log(`\n▶ ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) exitCode = r.status || 1;
  return r.status;
}

if (!process.env.TEST_DATABASE_URL) {
  const msg = 'PostgreSQL integration tests: TEST_DATABASE_URL is not set (e.g. postgres://root@127.0.0.1:5432/test, with pgvector installed)';
  if (strict) {
    console.error(`✗ ${msg}`);
    process.exit(1);
  }
  skips.push(msg);
}

// 1. vitest (unit + integration)
const vitestJson = path.join(out, 'vitest.json');
const vitestStatus = run('unit + integration', process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
try {
  const j = JSON.parse(fs.readFileSync(vitestJson, 'utf8'));
  totals.passed += j.numPassedTests;
  totals.failed += j.numFailedTests + (j.numFailedTestSuites ? 0 : 0);
  totals.skipped += j.numPendingTests + j.numTodoTests;
  if (j.numFailedTestSuites && !j.numFailedTests) totals.failed += j.numFailedTestSuites;
  if (vitestStatus !== 0 && !j.numFailedTests && !j.numFailedTestSuites) {
    totals.failed += 1; // e.g. an unhandled error outside any test
    console.error('✗ vitest failed outside the tests (see "Unhandled Errors" above)');
  }
} catch {
  totals.failed += 1;
  console.error('✗ vitest produced no report');
}

// 2. Playwright smoke tests in Chromium
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!fs.existsSync(chromium)) {
  const msg = `browser tests: Chromium not found at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (strict) {
    console.error(`✗ ${msg}`);
    exitCode = 1;
    totals.failed += 1;
  } else skips.push(msg);
} else if (fs.existsSync(path.join(root, 'playwright.config.ts'))) {
  const pwJson = path.join(out, 'playwright.json');
  run('browser (Playwright)', process.execPath, [path.join(root, 'node_modules/@playwright/test/cli.js'), 'test', '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson,
    CHROMIUM_PATH: chromium
  });
  try {
    const s = JSON.parse(fs.readFileSync(pwJson, 'utf8')).stats;
    totals.passed += s.expected + (s.flaky ?? 0);
    totals.failed += s.unexpected;
    totals.skipped += s.skipped;
  } catch {
    totals.failed += 1;
    console.error('✗ Playwright produced no report');
  }
}

console.log('');
for (const s of skips) console.log(`[skipped] ${s}`);
if (totals.failed && !exitCode) exitCode = 1;
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
fs.rmSync(out, { recursive: true, force: true });
process.exit(exitCode);
