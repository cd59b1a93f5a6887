// The sync client (sync/client: ShapeStream → Dexie, outbox, txid matching) against the real built
// server on each database: shapes replicate into Dexie (fake-indexeddb), mutations go through the
// real POST /api/sync/mutations, overlays are dropped when a stream shows their txid (the fallback
// sweeps are switched off so only txid matching can drop them), a conflict lands in the conflicts
// inbox, the client resumes after a server restart, and at the end every replicated table equals
// the server's rows (a cold snapshot by a second client; on PostgreSQL also SQL).
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { freshDb, until } from '../../sync/client/testing/helpers';
import { SyncEngine } from '../../sync/client/engine';
import { Replicator } from '../../sync/client/replicator';
import { defaultOptimistic } from '../../sync/client/optimistic';
import { withOverlays } from '../../sync/client/overlays';
import type { OutpostDb } from '../../src/lib/client/db';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, type RunningServer } from '../support/server';
import type { Backend } from '../support/backends';
import { getTicket, allTickets } from '../../src/lib/client/tickets';
import { shapeRows } from '../../sync/client/packed';

const backends = inject('backends') as Backend[];
const SHAPES = ['tickets', 'ticket_comments', 'kb_articles', 'assets', 'change_requests', 'users', 'teams', 'sla_policies', 'settings', 'notifications'];
const NEVER = 24 * 3600_000;
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe.each(backends)('sync client on %s', (backend) => {
	let srv: RunningServer;
	let token = '';
	let adminId = '';
	const dbs: OutpostDb[] = [];
	const engines: SyncEngine[] = [];
	/** txids returned by the mutations endpoint, and txids delivered by the streams. */
	const returned = new Map<string, number>();
	const streamed = new Set<number>();
	/** Every shape request URL, in order. */
	const shapeUrls: URL[] = [];

	const login = async () => {
		const c = new Client(srv.url);
		const r = await c.login(ADMIN_EMAIL, ADMIN_PASSWORD);
		token = r.json.accessToken;
		adminId = r.json.user.id;
	};

	/** A device: its own Dexie database and engine, Bearer-authenticated like an API client. */
	const device = (db = freshDb()) => {
		dbs.push(db);
		const recording: typeof fetch = async (input, init) => {
			if (String(input).includes('/api/sync/shape')) shapeUrls.push(new URL(String(input)));
			const res = await fetch(input, init);
			if (String(input).includes('/api/sync/mutations') && res.ok) {
				const body = await res.clone().json();
				for (const r of body.results ?? []) if (typeof r.txid === 'number') returned.set(r.id, r.txid);
			}
			return res;
		};
		const e = new SyncEngine({
			db,
			userId: adminId,
			baseUrl: srv.url,
			shapes: SHAPES,
			headers: () => ({ authorization: `Bearer ${token}` }),
			fetchClient: recording,
			registry: defaultOptimistic,
			noLeaderElection: true,
			replicator: {
				backoff: { initialDelay: 50, maxDelay: 500, multiplier: 2 },
				restartBackoff: { initialDelay: 50, maxDelay: 500 },
				onBatch: (_s, msgs) => {
					for (const m of msgs) for (const t of ((m.headers as { txids?: number[] }).txids ?? [])) streamed.add(Number(t));
				}
			},
			outbox: { backoff: { initialDelay: 50, maxDelay: 500 } },
			// only txid matching may drop overlays in this test
			confirm: { settleMs: NEVER, timeoutMs: NEVER }
		});
		engines.push(e);
		return { db, e };
	};

	/** Waits until the mutation left the outbox and its overlays were dropped by its txid. */
	const confirmed = async (db: OutpostDb, mutationId: string) => {
		await until(async () => !(await db.outbox.where('id').equals(mutationId).count()) && !(await db.overlays.where('mutationId').equals(mutationId).count()), {
			timeoutMs: 30_000,
			what: `mutation ${mutationId} confirmed`
		}).catch(async (e) => {
			const state = { outbox: await db.outbox.toArray(), overlays: await db.overlays.toArray(), pending: await db.pendingTxids.toArray() };
			throw new Error(`${e.message}\n${JSON.stringify(state, null, 1).slice(0, 3000)}`);
		});
		const conflict = await db.conflicts.get(mutationId);
		expect(conflict, JSON.stringify(conflict?.error)).toBeUndefined();
		const txid = returned.get(mutationId);
		expect(txid, 'the endpoint returned a txid').toBeTypeOf('number');
		expect(streamed.has(txid!), 'a stream delivered that txid').toBe(true);
		expect(await db.pendingTxids.get(mutationId)).toBeUndefined();
	};

	beforeAll(async () => {
		srv = await startServer(backend);
		await login();
	});
	afterAll(async () => {
		for (const e of engines) e.stop();
		for (const db of dbs) await db.delete().catch(() => {});
		await srv?.stop();
	});

	it('replicates, applies mutations optimistically, drops overlays by txid, records conflicts, resumes after a restart and converges', { timeout: 180_000 }, async () => {
		const { db, e } = device();
		e.start();
		await e.replicator.whenLive(SHAPES, 60_000);
		expect(Object.values(e.status().shapes).map((s) => s.phase)).toEqual(SHAPES.map(() => 'live'));
		expect(await db.users.get(adminId)).toMatchObject({ id: adminId });
		expect((await db.users.get(adminId)) as Record<string, unknown>).not.toHaveProperty('password_hash');

		// ticket.create: the optimistic insert shows at once, then the real row replaces it
		const ticketId = uuidv7();
		const created = await e.mutate('ticket.create', { id: ticketId, subject: 'Laptop will not boot', description: 'Black screen', priority: 'high' });
		const shown = withOverlays(await allTickets(db), await db.overlays.toArray(), { table: 'tickets' });
		expect(shown.find((t) => t.id === ticketId)).toMatchObject({ subject: 'Laptop will not boot', status: 'new', $pending: true });
		await confirmed(db, created.id);
		const row = (await getTicket(db, ticketId))!;
		expect(row).toMatchObject({ id: ticketId, subject: 'Laptop will not boot', description: 'Black screen', priority: 'high', status: 'new', requester_id: adminId });
		expect(typeof row.number).toBe('number');
		expect(row.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

		// field edit with base values; status change; a comment (touches the ticket too)
		const upd = await e.mutate('ticket.update', { id: ticketId, set: { subject: 'Laptop does not boot', priority: 'critical' }, base: { subject: row.subject, priority: row.priority } });
		const st = await e.mutate('ticket.setStatus', { id: ticketId, status: 'in_progress', base_status: 'new' });
		const commentId = uuidv7();
		const com = await e.mutate('comment.add', { id: commentId, ticket_id: ticketId, body: 'Looking into it', internal: true });
		for (const m of [upd, st, com]) await confirmed(db, m.id);
		expect(await getTicket(db, ticketId)).toMatchObject({ subject: 'Laptop does not boot', priority: 'critical', status: 'in_progress' });
		expect(await db.ticket_comments.get(commentId)).toMatchObject({ ticket_id: ticketId, body: 'Looking into it', internal: true, author_id: adminId });

		// a second device edits the subject from a stale base: rejected, kept in its conflicts inbox
		const other = device();
		other.e.start();
		await other.e.replicator.whenLive(['tickets'], 60_000);
		const stale = await other.e.mutate('ticket.update', { id: ticketId, set: { subject: 'Mine from the other device' }, base: { subject: 'Laptop will not boot' } });
		await until(() => other.db.conflicts.get(stale.id), { timeoutMs: 30_000, what: 'conflict recorded' });
		const conflict = (await other.db.conflicts.get(stale.id))!;
		expect(conflict.error.code).toBe('conflict');
		expect(conflict.error.fields).toEqual([expect.objectContaining({ field: 'subject', yours: 'Mine from the other device', theirs: 'Laptop does not boot', base: 'Laptop will not boot' })]);
		expect(conflict.overlays).toEqual([expect.objectContaining({ table: 'tickets', key: ticketId, op: 'update' })]);
		expect(await other.db.overlays.count()).toBe(0);
		expect(await other.db.outbox.count()).toBe(0);
		other.e.stop();

		// server restart: the device keeps its rows and resumes from its stored offset + handle
		e.stop();
		const stored = (await db.shapeState.get('tickets'))!;
		await srv.stop({ keepData: true });
		srv = await startServer(backend, {}, { dataDir: srv.dataDir, databaseUrl: srv.databaseUrl });
		await login();
		const { e: e2 } = device(db);
		const mark = shapeUrls.length;
		e2.start();
		await e2.replicator.whenLive(SHAPES, 60_000);
		const resume = shapeUrls.slice(mark).find((u) => u.searchParams.get('shape') === 'tickets')!;
		expect(resume.searchParams.get('offset')).toBe(stored.offset);
		expect(resume.searchParams.get('handle')).toBe(stored.handle);
		expect(resume.searchParams.get('live')).toBeNull();
		const again = await e2.mutate('ticket.setStatus', { id: ticketId, status: 'resolved', base_status: 'in_progress', resolution_code: 'solved' });
		await confirmed(db, again.id);
		expect(await getTicket(db, ticketId)).toMatchObject({ status: 'resolved', resolution_code: 'solved' });

		// convergence: every table equals the server's current rows for these shapes
		const cold = freshDb();
		dbs.push(cold);
		const rep = new Replicator({ db: cold, shapes: SHAPES, baseUrl: srv.url, headers: { authorization: () => `Bearer ${token}` } });
		await rep.start();
		await rep.whenLive(SHAPES, 60_000);
		rep.stop();
		for (const shape of SHAPES) {
			const mine = (await shapeRows(db, shape)).sort(byId);
			const theirs = (await shapeRows(cold, shape)).sort(byId);
			expect(mine, `table ${shape}`).toEqual(theirs);
		}
		expect(await db.overlays.count()).toBe(0);
		expect(await db.outbox.count()).toBe(0);

		if (srv.databaseUrl) {
			const c = new pg.Client({ connectionString: srv.databaseUrl });
			await c.connect();
			try {
				const sql = await c.query(
					`select id::text, subject, status, priority, number::int as number from tickets where deleted_at is null order by id`
				);
				const local = (await allTickets(db)).sort(byId).map((t) => ({ id: t.id, subject: t.subject, status: t.status, priority: t.priority, number: t.number }));
				expect(local).toEqual(sql.rows);
			} finally {
				await c.end();
			}
		}
	});
});
