// Initial sync of N tickets into Dexie (fake-indexeddb) in Node, through the real client code
// (sync/client Replicator → @electric-sql/client ShapeStream → one Dexie transaction per batch).
//
//   node tests/bench/sync-initial.mjs [N=100000] [--source=server|peer|both] [--chunk=5000]
//
// Sources:
//   server  the built app (`node server.js`) on a fresh PostgreSQL database (TEST_DATABASE_URL) with
//           the app's migrations; N tickets inserted by SQL; GET /api/sync/shape?shape=tickets as the
//           admin (Bearer token). Measures server snapshot + transfer + client apply.
//   peer    an in-process HTTP peer serving the same rows in Electric's wire format, chunked: the
//           client side alone (parse + Dexie writes), no database.
// Default: both when TEST_DATABASE_URL is set, else peer. The Chromium (real IndexedDB) variant is
// not here yet; fake-indexeddb is a pure-JS IndexedDB and much slower than Chromium's.
import 'fake-indexeddb/auto';
import { register } from 'tsx/esm/api';
import fs from 'node:fs';
import { ensureBuilt, startServer, tmpDir, freshPgDatabase, seedTickets, login, ADMIN, ms } from './lib.mjs';

register();
const args = process.argv.slice(2);
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const opt = (k, d) => args.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
const source = opt('source', process.env.TEST_DATABASE_URL ? 'both' : 'peer');
const chunk = Number(opt('chunk', 5000));

const { Replicator } = await import('../../sync/client/replicator.ts');
const { OutpostDb } = await import('../../src/lib/client/db.ts');
const { startPeer, TICKET_SCHEMA } = await import('../../sync/client/testing/peer.ts');

const report = [];
const mb = (b) => `${(b / 1024 / 1024).toFixed(1)} MB`;

/** Runs one initial sync of the tickets shape; returns figures. */
async function syncOnce(label, baseUrl, headers) {
	const db = new OutpostDb(`bench-${label}-${Date.now()}`);
	let bytes = 0;
	let requests = 0;
	let batches = 0;
	let serverMs = 0;
	const fetchClient = async (input, init) => {
		requests++;
		const f0 = performance.now();
		const res = await fetch(input, { ...init, headers: { ...(init?.headers ?? {}), ...(headers ?? {}) } });
		if (!new URL(String(input)).searchParams.has('live')) serverMs += performance.now() - f0;
		const len = Number(res.headers.get('content-length'));
		if (Number.isFinite(len)) bytes += len;
		return res;
	};
	const rep = new Replicator({ db, shapes: ['tickets'], baseUrl, fetchClient, onBatch: () => batches++, liveRequestTimeoutMs: false });
	const heap0 = process.memoryUsage().heapUsed;
	const t0 = performance.now();
	await rep.start();
	await rep.whenLive(['tickets'], 30 * 60_000);
	const elapsed = performance.now() - t0;
	const heap1 = process.memoryUsage().heapUsed;
	rep.stop();
	// Tickets are stored packed (sync/client/packed.ts): rows counted through the `ids` index.
	const count = await db.ticketPages.where('ids').above('').count();
	const sample = (await db.ticketPages.limit(1).first())?.rows[0];
	await db.delete();
	const line = `${label.padEnd(7)} ${count} rows in ${ms(elapsed)} → ${Math.round(count / (elapsed / 1000)).toLocaleString('en')} rows/s (${requests} requests, ${batches} batches${bytes ? `, ${mb(bytes)} body` : ''}; awaiting response headers ${ms(serverMs)} in total, partly overlapped by prefetch; heap ${mb(heap1 - heap0)})`;
	console.log(line);
	report.push(line);
	return { count, sample };
}

async function viaPeer() {
	const peer = await startPeer();
	peer.chunkSize = chunk;
	const rows = [];
	const requester = '0190a000-0000-7000-8000-00000000beef';
	for (let i = 0; i < N; i++) {
		const hex = i.toString(16).padStart(12, '0');
		rows.push({
			id: `0190b000-0000-7000-8000-${hex}`,
			number: 1000 + i,
			subject: `Ticket ${i}`,
			description: 'Lorem ipsum dolor sit amet. '.repeat(8),
			status: ['new', 'in_progress', 'waiting'][i % 3],
			priority: ['low', 'medium', 'high', 'critical'][i % 4],
			assignee_id: null,
			requester_id: requester,
			tags: ['printer', 'vpn'],
			sla_paused: false,
			reopen_count: 0,
			custom_fields: {},
			created_at: '2026-03-01 09:30:00.123456+00',
			updated_at: '2026-03-01 09:30:00.123456+00'
		});
	}
	peer.defineShape('tickets', { ...TICKET_SCHEMA, description: { type: 'text' }, requester_id: { type: 'uuid' }, created_at: { type: 'timestamptz' } }, rows);
	try {
		await syncOnce('peer', peer.url);
	} finally {
		await peer.close();
	}
}

async function viaServer() {
	await ensureBuilt();
	const pgdb = await freshPgDatabase();
	if (!pgdb) throw new Error('TEST_DATABASE_URL is not set');
	const dataDir = tmpDir();
	const srv = await startServer({ dataDir, databaseUrl: pgdb.url, port: Number(process.env.BENCH_PORT ?? 4390) });
	try {
		const token = await login(srv.url, ADMIN.email, ADMIN.password);
		report.push(`seed    ${N} tickets by SQL in ${ms(await seedTickets(pgdb.url, N))}`);
		const probe = await fetch(`${srv.url}/api/sync/shape?shape=tickets&offset=-1`, { headers: { authorization: `Bearer ${token}` } });
		await probe.body?.cancel();
		if (probe.status !== 200) throw new Error(`GET /api/sync/shape answered ${probe.status}: the server side is not ready`);
		await syncOnce('server', srv.url, { authorization: `Bearer ${token}` });
	} finally {
		await srv.stop();
		await pgdb.drop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
}

console.log(`initial sync of ${N} tickets into Dexie (fake-indexeddb, Node ${process.version})`);
if (source === 'peer' || source === 'both') await viaPeer();
if (source === 'server' || source === 'both') {
	try {
		await viaServer();
	} catch (e) {
		const line = `server  not measured: ${e.message}`;
		console.log(line);
		report.push(line);
	}
}
console.log('\n' + report.join('\n'));
process.exit(0);
