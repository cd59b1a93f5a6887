// What writing N ticket-shaped rows into Chromium's IndexedDB costs, without the app: a blank page
// in Debian Chromium (same flags as the e2e tests) writes rows like the tickets shape's into Dexie,
// in batches like the replicator's (one rw transaction per batch), varying the number of indexes,
// the transaction durability, Dexie's cache, the batch size, and objects vs several rows packed
// into one record. Also times the renderer-only work per row (JSON.parse of a shape body, the
// structured clone IndexedDB makes). Prints a table: wall µs/row and CPU µs/row per process (the
// write only), and the time to read every row back.
//
//   node tests/bench/idb-write-ceiling.mjs [N=100000] [--only=<substring>]
//
// BENCH_PORT: port of the throwaway page server (default 4392).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { root, cpuTimes } from './lib.mjs';

const args = process.argv.slice(2);
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const only = args.find((a) => a.startsWith('--only='))?.slice(7);
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PORT = Number(process.env.BENCH_PORT ?? 4392);

/** Row i, with the tickets shape's 51 columns as the replicator stores them (defined in the page). */
function ticketRow(i) {
	const ts = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace('Z', '000Z');
	return {
		id: crypto.randomUUID(), number: i + 1, subject: `Ticket ${i}`, description: 'Lorem ipsum dolor sit amet. '.repeat(8), description_html: null,
		status: ['new', 'in_progress', 'waiting'][i % 3], waiting_reason: null, priority: ['low', 'medium', 'high', 'critical'][i % 4], impact: 'medium', urgency: 'medium',
		type_id: null, category_id: null, tags: ['printer', 'vpn'], requester_id: '0b9c3f7e-1f5a-4c1e-9d65-3f1e2a7b9c01', assignee_id: null, team_id: null, source: 'portal',
		cc_emails: [], location: null, due_at: null, first_response_at: null, resolved_at: null, closed_at: null, reopened_at: null, reopen_count: 0, sla_policy_id: null,
		first_response_due_at: null, resolution_due_at: null, first_response_breached_at: null, resolution_breached_at: null, sla_paused: false, sla_paused_at: null,
		sla_paused_seconds: 0, resolution_code: null, resolution_notes: null, satisfaction_rating: null, satisfaction_comment: null, satisfaction_at: null, parent_id: null,
		merged_into_id: null, custom_fields: {}, last_activity_at: ts, last_agent_reply_at: null, last_requester_reply_at: null, client_created_at: null, client_updated_at: null,
		created_at: ts, updated_at: ts, created_by: null, updated_by: null, deleted_at: null
	};
}

const dexieJs = fs.readFileSync(path.join(root, 'node_modules/dexie/dist/dexie.js'), 'utf8');
const server = http.createServer((req, res) => {
	if (req.url === '/dexie.js') {
		res.writeHead(200, { 'content-type': 'text/javascript' });
		return res.end(dexieJs);
	}
	res.writeHead(200, { 'content-type': 'text/html' });
	res.end(`<!doctype html><script src="/dexie.js"></script><script>window.ticketRow = ${ticketRow.toString()}</script><body>ceiling</body>`);
});
await new Promise((r) => server.listen(PORT, '127.0.0.1', r));

const IDX7 = 'id, number, assignee_id, team_id, priority, updated_at, requester_id, [status+updated_at]';
const IDX3 = 'id, number, updated_at, [status+updated_at]';
const IDX0 = 'id';
const variants = [
	// name, spec, durability, batch, pack (rows per record; 0 = one row per record), cache
	['7 idx, default dur, 5k', IDX7, undefined, 5000, 0],
	['7 idx, relaxed, 5k', IDX7, 'relaxed', 5000, 0],
	['7 idx, relaxed, 5k, cache off', IDX7, 'relaxed', 5000, 0, 'disabled'],
	['7 idx, relaxed, 1k', IDX7, 'relaxed', 1000, 0],
	['7 idx, relaxed, 20k', IDX7, 'relaxed', 20000, 0],
	['3 idx, relaxed, 5k', IDX3, 'relaxed', 5000, 0],
	['0 idx, relaxed, 5k', IDX0, 'relaxed', 5000, 0],
	['0 idx, default, 5k', IDX0, undefined, 5000, 0],
	['packed 100/rec, relaxed, 5k', IDX0, 'relaxed', 5000, 100],
	['packed 1000/rec, relaxed, 5k', IDX0, 'relaxed', 5000, 1000],
	['packed 1000/rec as JSON text, relaxed', IDX0, 'relaxed', 5000, -1000],
	// Chunks that still find a row by id: a multiEntry index over the ids they hold.
	['packed 1000/rec + *ids index, relaxed', 'id, *ids', 'relaxed', 5000, 1000],
	// Per-record cost without the bytes: rows cut down to id, status and updated_at.
	['tiny rows (3 fields), 0 idx, relaxed', IDX0, 'relaxed', 5000, 0, undefined, 'tiny'],
	// Rows without their null fields (most of a ticket's 51 columns are null).
	['rows without nulls, 7 idx, relaxed', IDX7, 'relaxed', 5000, 0, undefined, 'nonull']
];

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const out = [];
try {
	const page = await browser.newPage();
	await page.goto(`http://127.0.0.1:${PORT}/`);
	// Renderer-only work per row.
	const cpu0 = cpuTimes(0);
	const pure = await page.evaluate((n) => {
		const rows = makeRows(n);
		const body = JSON.stringify(rows.map((value) => ({ key: `"public"."tickets"/"${value.id}"`, value, headers: { operation: 'insert', relation: ['public', 'tickets'] } })));
		let t = performance.now();
		const parsed = JSON.parse(body);
		const parseMs = performance.now() - t;
		t = performance.now();
		for (const r of rows) structuredClone(r);
		const cloneMs = performance.now() - t;
		return { parseMs, cloneMs, bytes: body.length, parsed: parsed.length };
		function makeRows(n) {
			return Array.from({ length: n }, (_, i) => /** @type {any} */ (window).ticketRow(i));
		}
	}, N);
	const cpu1 = cpuTimes(0);
	out.push({ name: 'renderer only: JSON.parse body / structuredClone rows', wall: `${((pure.parseMs / N) * 1000).toFixed(1)} / ${((pure.cloneMs / N) * 1000).toFixed(1)}`, cpu: cpuLine(cpu0, cpu1), note: `${(pure.bytes / N).toFixed(0)} B/row` });

	for (const [name, spec, durability, batch, pack, cache, tiny] of variants) {
		if (only && !name.includes(only)) continue;
		await page.evaluate(() => new Promise((r) => { const q = indexedDB.deleteDatabase('ceiling'); q.onsuccess = q.onerror = () => r(); }));
		await page.evaluate(
			({ n, batch }) => {
				const ticket = /** @type {any} */ (window).ticketRow;
				const batches = [];
				for (let i = 0; i < n; i += batch) batches.push(Array.from({ length: Math.min(batch, n - i) }, (_, k) => ticket(i + k)));
				/** @type {any} */ (window).__batches = batches;
			},
			{ n: N, batch }
		);
		const c0 = cpuTimes(0);
		const res = await page.evaluate(
			async ({ spec, durability, pack, cache, tiny }) => {
				const { __batches: batches, Dexie } = /** @type {any} */ (window);
				const opts = {};
				if (durability) opts.chromeTransactionDurability = durability;
				if (cache) opts.cache = cache;
				const db = new Dexie('ceiling', opts);
				db.version(1).stores({ tickets: spec, shapeState: 'shape' });
				await db.open();
				const t0 = performance.now();
				let pending = [];
				let seq = 0;
				for (const rows of batches) {
					let records = rows;
					if (tiny === 'tiny') records = rows.map((r) => ({ id: r.id, status: r.status, updated_at: r.updated_at }));
					if (tiny === 'nonull') records = rows.map((r) => { const o = {}; for (const k in r) if (r[k] !== null) o[k] = r[k]; return o; });
					if (pack) {
						const per = Math.abs(pack);
						records = [];
						for (let k = 0; k < rows.length; k += per) {
							const part = rows.slice(k, k + per);
							records.push({ id: `c${seq++}`, ids: spec.includes('*ids') ? part.map((r) => r.id) : undefined, rows: pack > 0 ? part : JSON.stringify(part) });
						}
					}
					// Two transactions in flight, like the replicator (MAX_IN_FLIGHT).
					while (pending.length >= 2) await pending.shift();
					pending.push(
						db.transaction('rw', db.tickets, db.shapeState, async () => {
							await db.tickets.bulkPut(records);
							await db.shapeState.put({ shape: 'tickets', offset: String(seq), updatedAt: Date.now() });
						})
					);
				}
				await Promise.all(pending);
				const wall = performance.now() - t0;
				const count = await db.tickets.count();
				// Reading every row back (what the desk's full view does): one getAll, records unpacked.
				const r0 = performance.now();
				const all = await db.tickets.toArray();
				let rows = 0;
				for (const rec of all) rows += !pack ? 1 : pack > 0 ? rec.rows.length : JSON.parse(rec.rows).length;
				const readMs = performance.now() - r0;
				db.close();
				return { wall, count, rows, readMs };
			},
			{ spec, durability, pack, cache, tiny }
		);
		const c1 = cpuTimes(0);
		out.push({ name, wall: ((res.wall / N) * 1000).toFixed(1), cpu: cpuLine(c0, c1), note: `${res.count} records, ${(res.wall / 1000).toFixed(2)} s → ${Math.round(N / (res.wall / 1000)).toLocaleString('en')} rows/s; reading all ${res.rows} rows back ${(res.readMs / 1000).toFixed(2)} s` });
	}
} finally {
	await browser.close();
	server.close();
}

function cpuLine(a, b) {
	return Object.entries(b)
		.filter(([k]) => k.startsWith('chromium'))
		.map(([k, v]) => [k.replace('chromium-', ''), v - (a[k] ?? 0)])
		.filter(([, v]) => v > 0)
		.map(([k, v]) => `${k} ${((v / N) * 1000).toFixed(0)}`)
		.join(', ');
}

const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
console.log(`IndexedDB write ceiling, ${N} ticket rows in Chromium (${CHROMIUM_PATH}), load average ${load}`);
console.log(`${'variant'.padEnd(42)} ${'wall µs/row'.padStart(12)}  CPU µs/row by process  (notes)`);
for (const r of out) console.log(`${r.name.padEnd(42)} ${String(r.wall).padStart(12)}  ${r.cpu}  (${r.note})`);
process.exit(0);
