// ShapeStream → Dexie replication against a real HTTP protocol peer speaking the Shape API,
// on real Dexie (fake-indexeddb), with the real @electric-sql/client.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { putTickets, freshDb, until, FAST, sleep } from './testing/helpers';
import { startPeer, ticket, TICKET_SCHEMA, type ProtocolPeer } from './testing/peer';
import { Replicator } from './replicator';
import type { OutpostDb } from '../../src/lib/client/db';
import { getTicket, countTickets, allTickets } from '../../src/lib/client/tickets';

let peer: ProtocolPeer;
let db: OutpostDb;
let rep: Replicator | undefined;

beforeEach(async () => {
	peer = await startPeer();
	db = freshDb();
});
afterEach(async () => {
	rep?.stop();
	rep = undefined;
	await peer.close();
	await db.delete();
});

const make = (extra: Partial<ConstructorParameters<typeof Replicator>[0]> = {}) =>
	(rep = new Replicator({ db, shapes: ['tickets'], baseUrl: peer.url, backoff: FAST, restartBackoff: { initialDelay: 10, maxDelay: 50 }, ...extra }));

const shapeRequests = () => peer.requests.filter((r) => r.path === '/api/sync/shape');

describe('replicator', () => {
	it('syncs the snapshot, parses values, stores the position, then applies live insert/update/delete', async () => {
		const t1 = ticket(1);
		const t2 = ticket(2, { assignee_id: '0190a000-0000-7000-8000-0000000000aa' });
		peer.defineShape('tickets', TICKET_SCHEMA, [t1, t2]);
		const r = make();
		await r.start();
		await r.whenLive();

		const row = await getTicket(db, t1.id);
		expect(row).toEqual({
			id: t1.id,
			number: 1001,
			subject: 'Ticket 1',
			status: 'new',
			priority: 'medium',
			assignee_id: null,
			tags: ['printer'],
			sla_paused: false,
			reopen_count: 0,
			custom_fields: { floor: 2 },
			updated_at: '2026-03-01T09:30:00.500000Z'
		});
		const st = await db.shapeState.get('tickets');
		expect(st).toMatchObject({ shape: 'tickets', handle: peer.shapes.get('tickets')!.handle, offset: '0_0' });
		expect(st!.schema).toMatchObject({ number: { type: 'int8' } });
		expect(st!.lastSyncedAt).toBeGreaterThan(0);
		expect(r.state().tickets.phase).toBe('live');

		// replica=default: the update carries only id + changed columns; the stored row keeps the rest
		peer.change('tickets', 'update', { id: t1.id, status: 'in_progress', tags: ['printer', 'urgent'] });
		await until(async () => (await getTicket(db, t1.id))?.status === 'in_progress', { what: 'update' });
		expect(await getTicket(db, t1.id)).toMatchObject({ subject: 'Ticket 1', number: 1001, tags: ['printer', 'urgent'], custom_fields: { floor: 2 } });

		peer.change('tickets', 'insert', ticket(3));
		peer.change('tickets', 'delete', { id: t2.id });
		await until(async () => (await countTickets(db)) === 2 && !(await getTicket(db, t2.id)), { what: 'insert+delete' });
		expect((await allTickets(db)).map((t) => t.number).sort()).toEqual([1001, 1003]);
		// indexes work on synced rows
		expect((await allTickets(db, (t) => t.status === 'in_progress')).length).toBe(1);
		await until(async () => (await db.shapeState.get('tickets'))?.offset === '3_0', { what: 'offset 3_0' });

		// the wire: snapshot, non-live catch-up, then live long-polls with the cursor echoed
		const reqs = shapeRequests();
		expect(reqs[0].query).toMatchObject({ shape: 'tickets', offset: '-1', log: 'full' });
		expect(reqs[1].query).toMatchObject({ offset: '0_0', handle: st!.handle });
		expect(reqs[1].query.live).toBeUndefined();
		expect(reqs.some((q) => q.query.live === 'true' && q.query.cursor !== undefined)).toBe(true);
	});

	it('resumes from the stored offset + handle after a restart (first request non-live)', async () => {
		peer.defineShape('tickets', TICKET_SCHEMA, [ticket(1)]);
		await make().start();
		await rep!.whenLive();
		peer.change('tickets', 'insert', ticket(2));
		await until(async () => (await countTickets(db)) === 2);
		rep!.stop();
		const stored = (await db.shapeState.get('tickets'))!;
		expect(stored.offset).toBe('1_0');

		// changes while this device was away
		peer.change('tickets', 'update', { id: ticket(1).id, subject: 'Renamed offline' });
		peer.change('tickets', 'insert', ticket(3));
		const before = peer.requests.length;
		await make().start();
		await until(async () => (await countTickets(db)) === 3 && (await getTicket(db, ticket(1).id))?.subject === 'Renamed offline', { what: 'catch-up' });
		const first = peer.requests.slice(before).find((r) => r.path === '/api/sync/shape')!;
		expect(first.query).toMatchObject({ offset: '1_0', handle: stored.handle });
		expect(first.query.live).toBeUndefined();
		// no second snapshot was taken
		expect(peer.requests.slice(before).filter((r) => r.query.offset === '-1')).toHaveLength(0);
	});

	it('must-refetch (409) clears the shape rows and position, keeps outbox/overlays, and re-syncs from scratch', async () => {
		peer.defineShape('tickets', TICKET_SCHEMA, [ticket(1), ticket(2)]);
		const clearedCounts: Promise<number>[] = [];
		make({ onBatch: (_s, msgs) => msgs.some((m) => (m.headers as { control?: string }).control === 'must-refetch') && clearedCounts.push(countTickets(db)) });
		await rep!.start();
		await rep!.whenLive();
		await db.overlays.add({ mutationId: 'm1', table: 'tickets', key: ticket(1).id, op: 'update', patch: { subject: 'mine' }, createdAt: Date.now() });
		await db.outbox.add({ id: 'm1', name: 'ticket.update', args: {}, clientTime: new Date().toISOString(), userId: 'u1', attempts: 0, createdAt: Date.now() });
		const oldHandle = (await db.shapeState.get('tickets'))!.handle;

		// the server loses the shape: a row vanished without a log entry, another appeared
		const s = peer.shapes.get('tickets')!;
		s.rows.delete(ticket(1).id);
		s.rows.set(ticket(5).id, ticket(5));
		peer.rotate('tickets');

		await until(async () => (await db.shapeState.get('tickets'))?.handle === s.handle && rep!.state().tickets.phase === 'live', { what: 're-sync' });
		expect(await clearedCounts[0]).toBe(0);
		expect((await allTickets(db)).map((t) => t.id).sort()).toEqual([ticket(2).id, ticket(5).id].sort());
		expect(s.handle).not.toBe(oldHandle);
		expect(await db.overlays.count()).toBe(1);
		expect(await db.outbox.count()).toBe(1);
		const reqs = shapeRequests();
		const i409 = reqs.findIndex((r) => r.status === 409);
		expect(reqs[i409 + 1].query).toMatchObject({ offset: '-1', handle: s.handle });
		expect(reqs[i409 + 1].query['cache-buster']).toBeTruthy();
	});

	it('a 400 on resume (offset out of bounds) resets the shape and syncs it again', async () => {
		const s = peer.defineShape('tickets', TICKET_SCHEMA, [ticket(1)]);
		await db.shapeState.put({ shape: 'tickets', handle: s.handle, offset: '77_0', updatedAt: 0 });
		await putTickets(db, [{ id: 'stale-row', subject: 'left over' }]);
		peer.shapeFaults.set('tickets', [400]);
		await make().start();
		await until(async () => rep!.state().tickets.phase === 'live' && (await countTickets(db)) === 1, { what: 'reset + resync' });
		expect(await getTicket(db, 'stale-row')).toBeUndefined();
		expect(shapeRequests().map((r) => r.query.offset).slice(0, 2)).toEqual(['77_0', '-1']);
	});

	it('stores nothing of a batch whose write failed (position included) and resumes from the stored position', async () => {
		peer.defineShape('tickets', TICKET_SCHEMA, [ticket(1)]);
		await make().start();
		await rep!.whenLive();
		const before = (await db.shapeState.get('tickets'))!;
		const table = db.table('ticketPages'); // the instance the replicator writes through (tickets are packed)
		const real = table.bulkPut.bind(table);
		let failures = 0;
		(table as { bulkPut: unknown }).bulkPut = (...args: Parameters<typeof real>) => {
			if (failures++ === 0) throw new Error('disk full');
			return real(...args);
		};
		const seen: Array<{ phase: string; offset?: string; rows: number }> = [];
		rep!.subscribe((st) => {
			if (st.tickets.phase === 'error') void Promise.all([db.shapeState.get('tickets'), countTickets(db)]).then(([s, rows]) => seen.push({ phase: 'error', offset: s?.offset, rows }));
		});
		peer.change('tickets', 'insert', ticket(2));
		await until(() => seen.length > 0, { what: 'error phase' });
		expect(seen[0]).toEqual({ phase: 'error', offset: before.offset, rows: 1 });
		await until(async () => (await countTickets(db)) === 2 && rep!.state().tickets.phase === 'live', { what: 'recovery' });
		expect((await db.shapeState.get('tickets'))!.offset).toBe('1_0');
	});

	it('pipelined snapshot chunks: when one fails, no later chunk stores its rows or position', async () => {
		const all = Array.from({ length: 12 }, (_, i) => ticket(i + 1));
		peer.defineShape('tickets', TICKET_SCHEMA, all);
		peer.chunkSize = 3;
		const table = db.table('ticketPages');
		const real = table.bulkPut.bind(table);
		let calls = 0;
		(table as { bulkPut: unknown }).bulkPut = (...args: Parameters<typeof real>) => {
			// The 2nd chunk fails once, after the 3rd chunk's transaction has been started.
			if (++calls === 2) return new Promise((_, reject) => setTimeout(() => reject(new Error('disk full')), 30));
			return real(...args);
		};
		const seen: Array<{ offset?: string; rows: number }> = [];
		make();
		rep!.subscribe((st) => {
			if (st.tickets.phase === 'error') void Promise.all([db.shapeState.get('tickets'), countTickets(db)]).then(([s, rows]) => seen.push({ offset: s?.offset, rows }));
		});
		await rep!.start();
		await until(() => seen.length > 0, { what: 'error phase' });
		// Only the first chunk is stored (3 rows and the position after it, 0_1); chunk 3 was in flight and stored nothing.
		expect(seen[0]).toEqual({ offset: '0_1', rows: 3 });
		expect(calls).toBeGreaterThanOrEqual(3);
		await until(async () => (await countTickets(db)) === 12 && rep!.state().tickets.phase === 'live', { what: 'recovery' });
		expect((await allTickets(db)).map((r) => r.id).sort()).toEqual(all.map((t) => t.id).sort());
		// Resumed from 0_1, not from scratch.
		expect(peer.requests.filter((r) => r.path === '/api/sync/shape' && r.query.offset === '-1')).toHaveLength(1);
	});

	it('goes offline on network failures, retries with backoff, and reports live again', async () => {
		peer.defineShape('tickets', TICKET_SCHEMA, [ticket(1)]);
		peer.shapeFaults.set('tickets', ['drop', 503, 'drop']);
		const phases: string[] = [];
		make();
		rep!.subscribe((s) => phases.push(s.tickets.phase));
		await rep!.start();
		await rep!.whenLive();
		expect(phases).toContain('offline');
		expect(await countTickets(db)).toBe(1);
		expect(rep!.state().tickets.error).toBeUndefined();
	});

	it('a forbidden shape (403) is an error for that shape only', async () => {
		peer.defineShape('tickets', TICKET_SCHEMA, [ticket(1)]);
		make({ shapes: ['tickets', 'assets'] });
		await rep!.start();
		await rep!.whenLive(['tickets']);
		await until(() => rep!.state().assets.phase === 'error');
		expect(rep!.state().assets).toMatchObject({ status: 403 });
		await sleep(100);
		// not retried in a loop
		expect(shapeRequests().filter((r) => r.query.shape === 'assets')).toHaveLength(1);
	});

	it('on 401 asks for a refresh, then waits for sign-in and continues from the same offset', async () => {
		peer.defineShape('tickets', TICKET_SCHEMA, [ticket(1)]);
		let token = 'good';
		peer.token = 'good';
		let refreshes = 0;
		make({ headers: { authorization: () => `Bearer ${token}` }, onUnauthorized: async () => (refreshes++, false) });
		await rep!.start();
		await rep!.whenLive();
		// The stream does not wait for the local commit before its next request: the long-poll
		// already waiting carries the good token and brings ticket 2; the request after it is the 401.
		await until(() => shapeRequests().some((r) => r.query.live === 'true'), { what: 'live request' });
		token = 'expired';
		peer.change('tickets', 'insert', ticket(2));
		await until(() => rep!.state().tickets.status === 401, { what: '401 state' });
		expect(refreshes).toBeGreaterThan(0);
		await until(async () => (await countTickets(db)) === 2, { what: 'ticket 2 stored' });
		const offset = (await db.shapeState.get('tickets'))!.offset;
		peer.change('tickets', 'insert', ticket(3));
		token = 'good';
		rep!.authRestored();
		await until(async () => (await countTickets(db)) === 3, { what: 'resumed' });
		const resumed = shapeRequests().filter((r) => r.status === 200).at(-1)!;
		expect(resumed.query.offset === offset || Number(resumed.query.offset.split('_')[0]) >= Number(offset.split('_')[0])).toBe(true);
		expect(peer.requests.filter((r) => r.query.offset === '-1')).toHaveLength(1);
	});
});
