// Initial sync of N tickets in a real browser: the built app on a fresh PostgreSQL database, the
// admin signs in through the login form in Debian Chromium, and the app's own sync (leader tab,
// ShapeStream → Dexie on Chromium's IndexedDB) downloads the tickets shape.
//
//   TEST_DATABASE_URL=postgres://root@127.0.0.1:5432/postgres node tests/bench/sync-initial-chromium.mjs [N=100000]
//
// Measured from the click on "Sign in" until the tickets shape is live with N rows in IndexedDB
// (polled every 100 ms: the phase through the `?debug` hook, the count with the raw IndexedDB
// API — entries of the packed store's `ids` index, one per row —, so the measurement doesn't add Dexie live queries). Target: ≥ 20k rows/s.
// BENCH_PORT overrides the server port (default 4391); BENCH_PROFILE writes a CPU profile of the page.
import fs from 'node:fs';
import { chromium } from '@playwright/test';
import { ensureBuilt, startServer, tmpDir, freshPgDatabase, seedTickets, ADMIN, ms, cpuTimes } from './lib.mjs';

const args = process.argv.slice(2);
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Same flags as tests/e2e/env.ts (playwright.config.ts).
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 15 * 60_000);

if (!process.env.TEST_DATABASE_URL && !process.env.BENCH_DATABASE_URL) {
	console.log('sync-initial-chromium: not measured (set TEST_DATABASE_URL)');
	process.exit(0);
}

await ensureBuilt();
const pgdb = await freshPgDatabase();
const dataDir = tmpDir();
const srv = await startServer({ dataDir, databaseUrl: pgdb.url, port: Number(process.env.BENCH_PORT ?? 4391) });
let browser;
const report = [];
try {
	// Seed like tests/bench/sync-initial.mjs: N tickets by SQL, all requested by the admin.
	report.push(`seed      ${N} tickets by SQL in ${ms(await seedTickets(pgdb.url, N))}`);

	browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
	const context = await browser.newContext({ baseURL: srv.url, serviceWorkers: 'block' });
	const page = await context.newPage();
	let bytes = 0;
	let requests = 0;
	let waitMs = 0;
	let transferMs = 0;
	page.on('requestfinished', async (req) => {
		if (!req.url().includes('/api/sync/shape') || !req.url().includes('shape=tickets')) return;
		requests++;
		const t = req.timing();
		if (!req.url().includes('live=true') && t.responseStart >= 0) {
			waitMs += t.responseStart - Math.max(0, t.requestStart);
			transferMs += t.responseEnd - t.responseStart;
		}
		const sizes = await req.sizes().catch(() => null);
		if (sizes) bytes += sizes.responseBodySize;
	});
	await page.goto('/login?next=%2F%3Fdebug');
	await page.getByLabel('Email').fill(ADMIN.email);
	await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);

	// BENCH_PROFILE=<file.cpuprofile>: a V8 CPU profile of the page over the whole sync (open it in
	// Chromium's DevTools, or summarise its self times), to see where the page's time goes.
	const cdp = process.env.BENCH_PROFILE ? await context.newCDPSession(page) : null;
	if (cdp) {
		await cdp.send('Profiler.enable');
		await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
		await cdp.send('Profiler.start');
	}
	const cpu0 = cpuTimes(srv.pid);
	const t0 = performance.now();
	await page.getByRole('button', { name: 'Sign in' }).click();
	let firstRowAt;
	let last = { phase: undefined, count: 0 };
	for (;;) {
		last = await page.evaluate(async () => {
			const hook = /** @type {any} */ (window).__outpost;
			const phase = hook?.sync.shapes.tickets?.phase;
			const count = await new Promise((resolve) => {
				const open = indexedDB.open('outpost');
				open.onerror = () => resolve(0);
				open.onsuccess = () => {
					const db = open.result;
					// Tickets are stored packed (sync/client/packed.ts): the `ids` index holds one entry per row.
					if (!db.objectStoreNames.contains('ticketPages')) {
						db.close();
						return resolve(0);
					}
					const req = db.transaction('ticketPages', 'readonly').objectStore('ticketPages').index('ids').count();
					req.onsuccess = () => {
						resolve(req.result);
						db.close();
					};
					req.onerror = () => resolve(0);
				};
			});
			return { phase, count };
		});
		const elapsed = performance.now() - t0;
		if (last.count > 0 && firstRowAt === undefined) firstRowAt = elapsed;
		if (last.phase === 'live' && last.count >= N) break;
		if (last.phase === 'error') throw new Error('tickets shape ended in error');
		if (elapsed > TIMEOUT_MS) throw new Error(`not live after ${ms(elapsed)}: ${JSON.stringify(last)}`);
		await new Promise((r) => setTimeout(r, 100));
	}
	const elapsed = performance.now() - t0;
	const cpu1 = cpuTimes(srv.pid);
	if (cdp) {
		const { profile } = await cdp.send('Profiler.stop');
		fs.writeFileSync(process.env.BENCH_PROFILE, JSON.stringify(profile));
		report.push(`profile   ${process.env.BENCH_PROFILE}`);
	}
	const rate = Math.round(last.count / (elapsed / 1000));
	// CPU used meanwhile: on a busy machine the wall time mostly says how much CPU we were given,
	// this says how much the sync needed (PostgreSQL's own processes not included).
	const cpu = Object.entries(cpu1).map(([k, v]) => [k, v - (cpu0[k] ?? 0)]).filter(([, v]) => v > 0);
	const load = fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0] : '?';
	report.push(`cpu       ${cpu.map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}; total ${(cpu.reduce((a, [, v]) => a + v, 0) / 1000).toFixed(1)} s (load average ${load} on ${(await import('node:os')).default.cpus().length} cores)`);
	report.push(
		`chromium  ${last.count} rows live in ${(elapsed / 1000).toFixed(2)} s → ${rate.toLocaleString('en')} rows/s ` +
			`(first row after ${ms(firstRowAt ?? elapsed)}; ${requests} tickets requests, ${(bytes / 1024 / 1024).toFixed(1)} MB body; non-live requests: ${ms(waitMs)} waiting for the server, ${ms(transferMs)} transferring, partly overlapped; target ≥ 20,000 rows/s: ${rate >= 20_000 ? 'met' : 'NOT met'})`
	);
} finally {
	await browser?.close();
	await srv.stop();
	await pgdb.drop();
	fs.rmSync(dataDir, { recursive: true, force: true });
}
console.log(`initial sync of ${N} tickets in Chromium (${CHROMIUM_PATH}), from sign-in to live\n` + report.join('\n'));
process.exit(0);
