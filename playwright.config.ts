import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { ADMIN, BASE_URL, CHROMIUM_ARGS, CHROMIUM_PATH, PORT } from './tests/e2e/env';

// End-to-end tests against the real server (`node server.js`, built on first start) with a fresh
// embedded database per run, driven by the system's Debian Chromium (no browser download).
// Workers re-evaluate this file; the env var makes them agree on one data directory.
process.env.OUTPOST_E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-'));

export default defineConfig({
	testDir: 'tests/e2e',
	globalSetup: './tests/e2e/global-setup.ts',
	testMatch: '**/*.spec.ts',
	workers: 1,
	fullyParallel: false,
	forbidOnly: !!process.env.CI,
	retries: 0,
	timeout: 60_000,
	expect: { timeout: 10_000 },
	reporter: [['list']],
	outputDir: 'test-results',
	use: {
		baseURL: BASE_URL,
		browserName: 'chromium',
		headless: true,
		serviceWorkers: 'allow',
		trace: 'retain-on-failure',
		screenshot: 'only-on-failure',
		launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS }
	},
	webServer: {
		command: 'node server.js',
		url: `${BASE_URL}/api/health`,
		timeout: 180_000, // the first start builds the app
		reuseExistingServer: false,
		stdout: 'ignore',
		stderr: 'pipe',
		env: {
			PORT: String(PORT),
			HOST: '127.0.0.1',
			OUTPOST_DATA_DIR: process.env.OUTPOST_E2E_DATA_DIR,
			OUTPOST_ADMIN_EMAIL: ADMIN.email,
			OUTPOST_ADMIN_PASSWORD: ADMIN.password,
			OUTPOST_SKIP_BUILD: '' // always rebuild when sources changed
		}
	}
});
