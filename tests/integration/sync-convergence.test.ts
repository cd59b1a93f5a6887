// Convergence property test (issue 3): three simulated devices — two agents and an end user —
// each with its own real Dexie database (fake-indexeddb), real ShapeStreams and its own outbox,
// against the real built server on each database. Per seed (mulberry32, repeatable choices): random
// mutations (the end user creates tickets and replies publicly on them; agents edit, assign, move
// and comment on what they see), random offline periods (everything / only the outbox / only the
// streams) while mutations keep queueing, mutation POSTs delivered twice (sequentially or
// concurrently), responses lost after the server applied the batch, and one server restart on the
// same data on a NEW port (the devices' fetch switches origin). At quiescence: every device's tables
// equal a cold snapshot of the same shapes for the same user (and SQL on PostgreSQL), every queued
// mutation ended applied or in the conflicts inbox (none dropped), and none was applied twice.
//
//   CONVERGENCE_SEEDS=1000 (seeds 1..1000) · =500..520 · =42, (replay one seed) · CONVERGENCE_STEPS=40
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import pg from 'pg';
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { Tailer } from '../../sync/server/tailer';
import { freshDb, until, sleep } from '../../sync/client/testing/helpers';
import { SyncEngine } from '../../sync/client/engine';
import { Replicator } from '../../sync/client/replicator';
import { defaultOptimistic } from '../../sync/client/optimistic';
import { withOverlays } from '../../sync/client/overlays';
import { DEFAULT_WORKFLOW } from '../../src/lib/domain/tickets/workflow';
import { getClientId } from '../../sync/client/outbox';
import type { OutpostDb } from '../../src/lib/client/db';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, type RunningServer } from '../support/server';
import type { Backend } from '../support/backends';
import { mulberry32, parseSeeds, chance, int, pick, type Rng } from '../support/convergence/prng';
import { FaultyNet, type Offline } from '../support/convergence/net';
import { allTickets } from '../../src/lib/client/tickets';
import { shapeRows } from '../../sync/client/packed';

const backends = inject('backends') as Backend[];
const SEEDS = parseSeeds();
const STEPS = Number(process.env.CONVERGENCE_STEPS ?? 60);
const SHAPES = ['tickets', 'ticket_comments', 'notifications'];
const PASSWORD = 'a long and unusual passphrase 7';
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const STATUSES = ['new', 'in_progress', 'waiting', 'resolved', 'closed'] as const;
const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;

interface User {
	id: string;
	email: string;
	token: string;
	role: 'agent' | 'end_user';
}

interface Device {
	name: string;
	user: User;
	db: OutpostDb;
	net: FaultyNet;
	engine: SyncEngine;
	/** Every mutation this device queued: id → name/args. */
	queued: Map<string, { name: string; args: any }>;
}

describe.each(backends)('sync convergence on %s', (backend) => {
	let srv: RunningServer;
	let admin: Client;
	const users: Record<'agent1' | 'agent2' | 'enduser', User> = {} as never;
	const cleanup: Array<() => Promise<void> | void> = [];

	const login = async (email: string) => (await new Client(srv.url).login(email, PASSWORD)).json.accessToken as string;

	beforeAll(async () => {
		srv = await startServer(backend);
		admin = new Client(srv.url);
		await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
		const tag = Date.now().toString(36);
		for (const [key, role] of [
			['agent1', 'agent'],
			['agent2', 'agent'],
			['enduser', 'end_user']
		] as const) {
			const email = `${key}-${tag}@convergence.test`;
			const r = await admin.post('/api/v1/admin/users', { email, name: `Convergence ${key}`, roles: [role], password: PASSWORD });
			expect(r.status, r.text).toBe(201);
			users[key] = { id: r.json.user.id, email, token: '', role };
			users[key].token = await login(email);
		}
	}, 120_000);

	afterAll(async () => {
		for (const c of cleanup.splice(0).reverse()) await c();
		await srv?.stop();
	});

	const engineFor = (db: OutpostDb, user: User, net: FaultyNet) => {
		const engine = new SyncEngine({
			db,
			userId: user.id,
			baseUrl: 'http://device.invalid', // the FaultyNet rewrites to the current server origin
			shapes: SHAPES,
			headers: () => ({ authorization: `Bearer ${user.token}` }),
			fetchClient: net.fetch,
			registry: defaultOptimistic,
			noLeaderElection: true,
			replicator: { backoff: { initialDelay: 20, maxDelay: 300, multiplier: 2 }, restartBackoff: { initialDelay: 20, maxDelay: 300 } },
			outbox: { backoff: { initialDelay: 20, maxDelay: 300 } },
			confirm: { settleMs: 300, timeoutMs: 10_000, intervalMs: 200 }
		});
		cleanup.push(() => engine.stop());
		return engine;
	};

	const device = (name: string, user: User, rng: Rng): Device => {
		const db = freshDb();
		const net = new FaultyNet(srv.url, rng);
		cleanup.push(() => db.delete().catch(() => {}));
		return { name, user, db, net, engine: engineFor(db, user, net), queued: new Map() };
	};

	/** The app is closed and opened again: a new engine on the same Dexie database. */
	const reload = (d: Device) => {
		d.engine.stop();
		d.engine = engineFor(d.db, d.user, d.net);
		d.engine.start();
	};

	/** What the device shows: its replicated tickets with its pending overlays on top. */
	const visibleTickets = async (d: Device) => withOverlays(await allTickets(d.db), await d.db.overlays.toArray(), { table: 'tickets' }).filter((t) => !t.$pendingDelete);

	const mutate = async (d: Device, name: string, args: any) => {
		const rec = await d.engine.mutate(name, args);
		d.queued.set(rec.id, { name, args });
	};

	/** One random action of a device (possibly nothing, when it sees no ticket to act on). */
	const act = async (d: Device, rng: Rng, step: number) => {
		const tickets = await visibleTickets(d);
		if (d.user.role === 'end_user') {
			const mine = tickets.filter((t) => t.requester_id === d.user.id);
			if (!mine.length || chance(rng, 0.4)) {
				await mutate(d, 'ticket.create', { id: uuidv7(), subject: `Seeded ticket ${step}`, description: `step ${step}`, priority: pick(rng, PRIORITIES) });
			} else {
				await mutate(d, 'comment.add', { id: uuidv7(), ticket_id: pick(rng, mine).id, body: `End user reply ${step}`, internal: false });
			}
			return;
		}
		if (!tickets.length) return;
		const t = pick(rng, tickets) as Record<string, any>;
		const r = rng();
		if (r < 0.3) {
			const set = chance(rng, 0.5) ? { subject: `${d.name} edit ${step}` } : { priority: pick(rng, PRIORITIES) };
			const field = Object.keys(set)[0];
			await mutate(d, 'ticket.update', { id: t.id, set, base: { [field]: t[field] } });
		} else if (r < 0.5) {
			const assignee = pick(rng, [users.agent1.id, users.agent2.id, null]);
			await mutate(d, 'ticket.assign', { id: t.id, set: { assignee_id: assignee }, base: { assignee_id: t.assignee_id ?? null } });
		} else if (r < 0.75) {
			// mostly moves the workflow allows, sometimes one it does not (a rejection)
			const allowed = DEFAULT_WORKFLOW.transitions[t.status as (typeof STATUSES)[number]] ?? [];
			const status = allowed.length && chance(rng, 0.85) ? pick(rng, allowed) : pick(rng, STATUSES.filter((s) => s !== t.status));
			await mutate(d, 'ticket.setStatus', {
				id: t.id,
				status,
				base_status: t.status,
				...(status === 'resolved' ? { resolution_code: 'solved' } : {}),
				...(status === 'waiting' ? { waiting_reason: 'customer' } : {})
			});
		} else {
			await mutate(d, 'comment.add', { id: uuidv7(), ticket_id: t.id, body: `${d.name} note ${step}`, internal: chance(rng, 0.5) });
		}
	};

	/** A cold snapshot of the shapes for one user, from the current server. */
	const coldSnapshot = async (user: User) => {
		const cold = freshDb();
		const rep = new Replicator({ db: cold, shapes: SHAPES, baseUrl: srv.url, headers: { authorization: () => `Bearer ${user.token}` } });
		try {
			await rep.start();
			await rep.whenLive(SHAPES, 30_000);
			rep.stop();
			const out: Record<string, any[]> = {};
			for (const s of SHAPES) out[s] = (await shapeRows(cold, s)).sort(byId);
			return out;
		} finally {
			rep.stop();
			await cold.delete().catch(() => {});
		}
	};

	const tables = async (d: Device) => {
		const out: Record<string, any[]> = {};
		for (const s of SHAPES) out[s] = (await shapeRows(d.db, s)).sort(byId);
		return out;
	};

	const restartServer = async (devices: Device[]) => {
		await srv.stop({ keepData: true });
		await sleep(50);
		const old = srv.url;
		srv = await startServer(backend, {}, { dataDir: srv.dataDir, databaseUrl: srv.databaseUrl });
		expect(srv.url).not.toBe(old);
		admin = new Client(srv.url);
		for (const d of devices) d.net.base = srv.url;
	};

	/**
	 * PostgreSQL: change-log compaction run from outside the server process while devices hold
	 * offsets into the history (some offline), with every window so far counted as old.
	 */
	const compactNow = async () => {
		const pool = new pg.Pool({ connectionString: srv.databaseUrl, max: 2 });
		const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
		try {
			await db.executeQuery(CompiledQuery.raw(`update sync_windows set at = now() - interval '2 hours'`));
			const tailer = new Tailer(db);
			await tailer.init();
			return await tailer.compact({ olderThanMs: 3_600_000 });
		} finally {
			await db.destroy();
		}
	};

	it.each(SEEDS)('seed %i: random mutations, offline periods, duplicated/lost responses and a restart converge', { timeout: 120_000 }, async (seed) => {
		const rng = mulberry32(seed);
		const log: string[] = [];
		const devices = [device('agent1', users.agent1, mulberry32(seed * 31 + 1)), device('agent2', users.agent2, mulberry32(seed * 31 + 2)), device('enduser', users.enduser, mulberry32(seed * 31 + 3))];
		try {
			for (const d of devices) d.engine.start();
			await Promise.all(devices.map((d) => d.engine.replicator.whenLive(SHAPES, 60_000)));
			const restartAt = int(rng, Math.floor(STEPS / 3), Math.floor((2 * STEPS) / 3));
			// Its own generator, so adding it did not change the other choices of a seed.
			const compactAt = srv.databaseUrl ? int(mulberry32(seed * 31 + 7), Math.floor(STEPS / 4), Math.floor((3 * STEPS) / 4)) : -1;
			for (let step = 0; step < STEPS; step++) {
				if (step === restartAt) {
					log.push(`${step}: server restart`);
					await restartServer(devices);
				}
				if (step === compactAt) {
					const c = await compactNow();
					log.push(`${step}: compaction (${c.rows} rows, ${c.removedEntries} entries folded)`);
				}
				// network weather
				for (const d of devices) {
					if (chance(rng, 0.15)) {
						const next: Offline = d.net.offline ? false : pick(rng, ['all', 'outbox', 'streams'] as const);
						d.net.offline = next;
						log.push(`${step}: ${d.name} offline=${next}`);
						if (!next) d.engine.refresh();
					}
					if (chance(rng, 0.03)) {
						log.push(`${step}: ${d.name} reload`);
						reload(d);
					}
					d.net.dupRate = pick(rng, [0, 0, 0.3, 0.8]);
					d.net.dropRate = pick(rng, [0, 0, 0.3, 0.6]);
				}
				const d = pick(rng, devices);
				await act(d, rng, step);
				if (chance(rng, 0.5)) await sleep(int(rng, 0, 60));
			}

			// quiescence: back online, no faults, everything flushed and streamed
			for (const d of devices) {
				d.net.offline = false;
				d.net.dupRate = 0;
				d.net.dropRate = 0;
				d.engine.refresh();
			}
			await until(async () => (await Promise.all(devices.map((d) => d.db.outbox.count()))).every((n) => n === 0), { timeoutMs: 30_000, what: 'all outboxes empty' });
			await Promise.all(devices.map((d) => d.engine.replicator.whenLive(SHAPES, 30_000)));

			// 1. every device's tables equal a cold snapshot of its shapes (polling while streams catch up)
			for (const d of devices) {
				let diff = '';
				for (let attempt = 0; attempt < 3; attempt++) {
					const want = await coldSnapshot(d.user);
					const ok = await until(async () => JSON.stringify(await tables(d)) === JSON.stringify(want), { timeoutMs: 5_000, what: 'tables equal' }).catch(() => false);
					if (ok) {
						diff = '';
						break;
					}
					diff = JSON.stringify({ have: await tables(d), want }).slice(0, 4000);
				}
				if (diff) {
					const have = await tables(d);
					const want = await coldSnapshot(d.user);
					for (const s of SHAPES) expect(have[s], `${d.name}: table ${s} equals the server's rows`).toEqual(want[s]);
				}
				await until(async () => (await d.db.overlays.count()) === 0, { timeoutMs: 15_000, what: `${d.name}: overlays all confirmed` });
			}

			// 2. no queued mutation lost: each is applied (delivered to the client) or in the conflicts inbox
			const appliedComments = new Set<string>();
			const rejectedComments = new Set<string>();
			const createdTickets = new Set<string>();
			const clientIds = new Map<Device, string>();
			const reasons = new Set<string>();
			for (const d of devices) {
				clientIds.set(d, await getClientId(d.db));
				expect(d.net.disagreements, `${d.name}: repeated deliveries returned the same outcome`).toEqual([]);
				for (const [id, m] of d.queued) {
					const delivered = d.net.delivered.get(id);
					const conflict = await d.db.conflicts.get(id);
					if (conflict) {
						expect(delivered?.status, `${d.name} ${m.name} ${id}: rejected by the server`).toBe('rejected');
						expect(conflict.error.code, `${d.name} ${m.name}: a domain rejection, not a refused request`).not.toMatch(/^http_/);
						if (m.name === 'comment.add') rejectedComments.add(m.args.id);
						reasons.add(`${d.name} ${m.name}: ${conflict.error.code} ${conflict.error.reason}`.slice(0, 140));
					} else {
						expect(delivered?.status, `${d.name} ${m.name} ${id}: applied (not silently dropped)`).toBe('applied');
						if (m.name === 'comment.add') appliedComments.add(m.args.id);
						if (m.name === 'ticket.create') createdTickets.add(m.args.id);
					}
				}
			}
			// the effects are there exactly once (agents see every comment and every open ticket)
			const agentComments = (await devices[0].db.ticket_comments.toArray()).map((c) => c.id);
			expect(new Set(agentComments).size).toBe(agentComments.length);
			for (const id of appliedComments) expect(agentComments, `applied comment ${id} replicated`).toContain(id);
			for (const id of rejectedComments) expect(agentComments).not.toContain(id);
			const endUserTickets = new Set((await allTickets(devices[2].db)).map((t) => t.id));
			for (const id of createdTickets) expect(endUserTickets.has(id), `created ticket ${id} replicated to its requester`).toBe(true);

			// 3. on PostgreSQL: the ledger and the tables say the same, and nothing was applied twice
			if (srv.databaseUrl) {
				const c = new pg.Client({ connectionString: srv.databaseUrl });
				await c.connect();
				try {
					for (const d of devices) {
						const rows = (await c.query(`select mutation_id::text as id, status, txid::int as txid, count(*) over (partition by client_id, mutation_id)::int as n from sync_mutations where client_id = $1`, [clientIds.get(d)])).rows;
						expect(rows.length, `${d.name}: one ledger row per queued mutation`).toBe(d.queued.size);
						for (const r of rows) {
							expect(r.n).toBe(1);
							expect(d.queued.has(r.id)).toBe(true);
							expect(r.status).toBe(d.net.delivered.get(r.id)?.status);
						}
						const ids = [...d.queued.keys()];
						const twice = await c.query(`select mutation_id::text, action, field, count(*)::int as n from ticket_history where mutation_id = any($1::uuid[]) group by 1, 2, 3 having count(*) > 1`, [ids]);
						expect(twice.rows, `${d.name}: no history entry written twice for one mutation`).toEqual([]);
					}
					const com = await c.query(`select id::text, count(*)::int as n from ticket_comments where id = any($1::uuid[]) group by 1`, [[...appliedComments, ...rejectedComments]]);
					expect(com.rows.map((r) => r.id).sort()).toEqual([...appliedComments].sort());
					expect(com.rows.every((r) => r.n === 1)).toBe(true);
					const sql = await c.query(`select id::text, subject, status, priority, assignee_id::text from tickets where deleted_at is null and requester_id = $1 order by id`, [users.enduser.id]);
					const local = (await allTickets(devices[2].db))
						.sort(byId)
						.map((t: any) => ({ id: t.id, subject: t.subject, status: t.status, priority: t.priority, assignee_id: t.assignee_id ?? null }));
					expect(local).toEqual(sql.rows);
				} finally {
					await c.end();
				}
			}
			const summary = devices
				.map((d) => {
					const tally = new Map<string, number>();
					for (const id of d.queued.keys()) {
						const o = String(d.net.delivered.get(id)?.code ?? d.net.delivered.get(id)?.status);
						tally.set(o, (tally.get(o) ?? 0) + 1);
					}
					const counts = [...tally].map(([k, n]) => `${k}=${n}`);
					return `${d.name}: ${d.queued.size} queued (${counts.join(' ')}) ${JSON.stringify(d.net.stats)}`;
				})
				.join('; ');
			const compaction = log.find((l) => l.includes('compaction'));
			console.log(`[convergence ${backend}] seed ${seed}: ${summary}\n  rejections: ${[...reasons].join(' | ')}${compaction ? `\n  ${compaction}` : ''}`);
		} catch (e) {
			const msg = `convergence failed on ${backend} with seed ${seed} — replay: CONVERGENCE_SEEDS=${seed}, \nevents: ${log.join(' | ')}\n${(e as Error).message}`;
			(e as Error).message = msg;
			throw e;
		} finally {
			for (const d of devices) d.engine.stop();
		}
	});
});
