// UI figures for issue 4, in Debian Chromium against the built server (embedded database):
//
//   node tests/bench/ui-figures.mjs [N=50000]
//
// 1. Initial JS (gzip) of the first route: every script the browser loads for a cold visit to
//    `/login` (where a first visit lands) and, signed in, for `/tech`, `/portal` and `/tickets`
//    (service worker and HTTP cache off), each file gzipped (zlib level 6, as servers do) and summed.
// 2. First list render from a warm Dexie: N tickets (200 of them assigned to the signed-in user)
//    are put into IndexedDB, then each list screen is opened; time from navigation start to its
//    first row in the DOM (checked every animation frame).
// 3. LCP on loopback (PerformanceObserver 'largest-contentful-paint', buffered).
import { chromium } from '@playwright/test';
import zlib from 'node:zlib';
import { ensureBuilt, startServer, tmpDir, ADMIN, ms } from './lib.mjs';

const N = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 50_000);
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;

await ensureBuilt();
const srv = await startServer({ dataDir: tmpDir(), port: Number(process.env.BENCH_PORT ?? 5012) });
let browser;
try {
	browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
	const context = await browser.newContext({ baseURL: srv.url, serviceWorkers: 'block', viewport: { width: 390, height: 844 } });
	const page = await context.newPage();
	page.on('pageerror', (e) => console.error('page error:', e.message));
	const cdp = await context.newCDPSession(page);
	await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });

	// In every page, from before its first script: when each watched selector first matched
	// (performance.now(), from a MutationObserver, so no polling delay).
	const WATCH = ['form button[type=submit]', '.tech h1', '.portal h1', '#queue-title', '[data-testid="tech-job"]', '[data-testid="portal-list"] li', '[data-testid="queue-list"] .qrow'];
	await context.addInitScript((watch) => {
		const shown = {};
		window.__shown = shown;
		const check = () => {
			for (const sel of watch) if (!(sel in shown) && document.querySelector(sel)) shown[sel] = performance.now();
		};
		new MutationObserver(check).observe(document, { childList: true, subtree: true });
	}, WATCH);
	/** When `selector` first matched in the current page (ms after navigation start). */
	const shownAt = (selector) => page.waitForFunction((sel) => window.__shown?.[sel] ?? 0, selector, { timeout: 60_000 }).then((h) => h.jsonValue()).then(Number);

	/**
	 * Scripts loaded while navigating to `path`, gzipped and summed, in two parts: those requested
	 * before `selector` (the route's heading) was in the DOM — the JS needed to render the route —
	 * and those requested after it, until the network is idle (the sync engine, loaded after the
	 * first paint, and whatever else is lazy).
	 */
	async function initialJs(path, selector) {
		const bodies = [];
		const onResponse = (r) => {
			if (r.request().resourceType() === 'script' && r.url().startsWith(srv.url)) bodies.push(r.body().then((b) => ({ url: r.url(), raw: b.length, gz: zlib.gzipSync(b, { level: 6 }).length })));
		};
		page.on('response', onResponse);
		await page.goto(path, { waitUntil: 'commit' });
		const at = await shownAt(selector);
		await page.waitForLoadState('networkidle');
		page.off('response', onResponse);
		const before = new Set(await page.evaluate((at) => performance.getEntriesByType('resource').filter((r) => r.startTime <= at).map((r) => r.name), at));
		const files = await Promise.all(bodies);
		const sum = (list) => ({ files: list.length, raw: list.reduce((s, f) => s + f.raw, 0), gz: list.reduce((s, f) => s + f.gz, 0) });
		return { ...sum(files.filter((f) => before.has(f.url))), later: sum(files.filter((f) => !before.has(f.url))) };
	}
	async function lcp() {
		return page.evaluate(
			() =>
				new Promise((resolve) => {
					let last = 0;
					new PerformanceObserver((list) => {
						for (const e of list.getEntries()) last = e.startTime;
					}).observe({ type: 'largest-contentful-paint', buffered: true });
					setTimeout(() => resolve(last), 500);
				})
		);
	}

	const loginJs = await initialJs('/login', 'form button[type=submit]');
	const loginLcp = await lcp();

	await page.getByLabel('Email').fill(ADMIN.email);
	await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL((u) => u.pathname === '/');
	await page.goto('/sync');
	await page.locator('tr[data-shape="tickets"][data-phase="live"]').waitFor({ timeout: 60_000 });
	const me = await page.evaluate(() => JSON.parse(localStorage.getItem('outpost.me') ?? '{}').id);

	const seedMs = await page.evaluate(
		async ({ n, me }) => {
			const t0 = performance.now();
			const db = await new Promise((res, rej) => {
				const r = indexedDB.open('outpost');
				r.onsuccess = () => res(r.result);
				r.onerror = () => rej(r.error);
			});
			const tx = db.transaction(['ticketPages'], 'readwrite');
			// Tickets are stored packed, 100 rows per record, as the replicator writes them (sync/client/packed.ts).
			const pages = tx.objectStore('ticketPages');
			let buf = [];
			const flush = () => {
				if (buf.length) pages.add({ ids: buf.map((r) => r.id), rows: buf });
				buf = [];
			};
			const store = { put: (row) => buf.push(row) === 100 && flush() };
			const statuses = ['new', 'in_progress', 'waiting', 'in_progress', 'new', 'resolved', 'closed'];
			const prios = ['low', 'medium', 'medium', 'high', 'critical'];
			const now = Date.now();
			const iso = (t) => new Date(t).toISOString();
			for (let i = 0; i < n; i++) {
				const updated = now - i * 37_000;
				store.put({
					id: `20000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
					number: 200000 + i,
					subject: `Bench ticket ${i}: printer does not start`,
					description: 'Seeded by tests/bench/ui-figures.mjs.',
					status: statuses[i % statuses.length],
					priority: prios[(i * 3) % prios.length],
					assignee_id: i % (n / 200) === 0 ? me : null,
					team_id: null,
					requester_id: i % 3 === 0 ? me : `00000000-0000-4000-8000-${String(i % 40).padStart(12, '0')}`,
					tags: [],
					first_response_due_at: iso(now + ((i % 50) - 10) * 3600_000),
					resolution_due_at: iso(now + ((i % 90) - 5) * 3600_000),
					first_response_at: i % 3 === 0 ? iso(updated) : null,
					created_at: iso(updated - 86_400_000),
					updated_at: iso(updated),
					deleted_at: null
				});
			}
			flush();
			await new Promise((res, rej) => {
				tx.oncomplete = res;
				tx.onerror = () => rej(tx.error);
			});
			db.close();
			return performance.now() - t0;
		},
		{ n: N, me }
	);

	/** Navigation start → first `selector` in the DOM, checked every frame; with where the time went. */
	async function firstRow(path, selector) {
		await page.goto(path, { waitUntil: 'commit' });
		const at = await shownAt(selector);
		const parts = await page.evaluate((at) => {
			const res = performance.getEntriesByType('resource');
			const me = res.find((r) => r.name.includes('/api/v1/me'));
			const scripts = res.filter((r) => r.initiatorType === 'script' || r.initiatorType === 'link' || r.name.endsWith('.js'));
			return { me: me?.responseEnd ?? 0, html: performance.getEntriesByType('navigation')[0]?.responseEnd ?? 0, scripts: Math.max(0, ...scripts.map((r) => r.responseEnd).filter((t) => t <= at)) };
		}, at);
		breakdown[path] = { ...parts, row: at };
		return at;
	}
	const breakdown = {};
	const js = {};
	const rows = {};
	const lcps = {};
	const unsaved = {};
	for (const [path, selector, shell] of [
		['/tech', '[data-testid="tech-job"]', '.tech h1'],
		['/portal', '[data-testid="portal-list"] li', '.portal h1'],
		['/tickets', '[data-testid="queue-list"] .qrow', '#queue-title']
	]) {
		js[path] = await initialJs(path, shell);
		// warm: the second visit (Dexie open and filled, scripts compiled once). It is also the first
		// with no first screenful saved (src/lib/client/tickets.ts `peekScreen`): it reads every page.
		unsaved[path] = await firstRow(path, selector);
		const runs = [];
		for (let i = 0; i < 3; i++) runs.push(await firstRow(path, selector));
		rows[path] = runs.sort((a, b) => a - b)[1];
		lcps[path] = await lcp();
	}

	console.log(`UI figures (Chromium ${browser.version()}, ${N} local tickets, 200 assigned to the user; seeded in ${ms(seedMs)})`);
	console.log('Initial JS for the first route (scripts requested before the route rendered its heading; gzip level 6; target ≤ 80 KB), then what loads after it until the network is idle (`node tests/bench/bundle-report.mjs` lists the same from the build):');
	console.log(`  /login (cold, first visit): ${kb(loginJs.gz)} gzip (${kb(loginJs.raw)} raw, ${loginJs.files} files); after: ${kb(loginJs.later.gz)} in ${loginJs.later.files} files`);
	for (const [p, v] of Object.entries(js)) console.log(`  ${p} (signed in): ${kb(v.gz)} gzip (${kb(v.raw)} raw, ${v.files} files); after: ${kb(v.later.gz)} in ${v.later.files} files`);
	console.log('First list render from a warm Dexie (navigation start → first row; median of 3; target ≤ 300 ms):');
	for (const [p, v] of Object.entries(rows)) {
		const b = breakdown[p];
		console.log(`  ${p}: ${ms(v)} (first visit, no saved first screenful: ${ms(unsaved[p])}; last run: HTML at ${ms(b.html)}, its first row ${ms(b.row - b.html)} after the HTML; last script by then at ${ms(b.scripts)}; /api/v1/me answered at ${ms(b.me)}, not waited for)`);
	}
	console.log(`  (machine load average ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).cpus().length} cores)`);
	console.log('LCP on loopback:');
	console.log(`  /login (cold): ${ms(loginLcp)}`);
	for (const [p, v] of Object.entries(lcps)) console.log(`  ${p} (warm): ${ms(v)}`);
} finally {
	await browser?.close();
	await srv.stop();
}
