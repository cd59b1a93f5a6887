// Txid matching end to end against the protocol peer: the mutation endpoint returns the txid,
// the shape stream later carries it, and only then does the optimistic overlay go.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { freshDb, until, FAST } from './testing/helpers';
import { startPeer, ticket, TICKET_SCHEMA, type ProtocolPeer } from './testing/peer';
import { Replicator } from './replicator';
import { Outbox, enqueueMutation } from './outbox';
import { sweepPending } from './txids';
import { withOverlays } from './overlays';
import type { OutpostDb } from '../../src/lib/client/db';
import { getTicket, allTickets } from '../../src/lib/client/tickets';

const COMMENT_SCHEMA = { id: { type: 'uuid', pk_index: 0 }, ticket_id: { type: 'uuid' }, body: { type: 'text' }, created_at: { type: 'timestamptz' } };

let peer: ProtocolPeer;
let db: OutpostDb;
let rep: Replicator;
let box: Outbox;
const t1 = ticket(1);

beforeEach(async () => {
	peer = await startPeer();
	db = freshDb();
	peer.defineShape('tickets', TICKET_SCHEMA, [t1, ticket(2)]);
	peer.defineShape('ticket_comments', COMMENT_SCHEMA, []);
	rep = new Replicator({ db, shapes: ['tickets', 'ticket_comments'], baseUrl: peer.url, backoff: FAST });
	box = new Outbox({ db, userId: 'u1', baseUrl: peer.url, auto: false, syncedShapes: () => new Set(rep.shapes) });
	await rep.start();
	await rep.whenLive();
});
afterEach(async () => {
	rep.stop();
	box.stop();
	await peer.close();
	await db.delete();
});

const overlayFor = (key: string) => db.overlays.where('[table+key]').equals(['tickets', key]).toArray();
const edit = (subject: string) => enqueueMutation(db, 'u1', 'ticket.update', { id: t1.id, set: { subject } }, { overlays: [{ table: 'tickets', key: t1.id, op: 'update', patch: { subject } }] });

describe('txid matching', () => {
	it('keeps the overlay after "applied" until a change with that txid arrives, then drops it', async () => {
		let txid = 0;
		peer.mutationHandler = () => ({ status: 'applied', txid: (txid = peer.nextTxid()) }); // committed, not yet streamed
		await edit('Mine');
		expect(await box.flush()).toMatchObject({ applied: 1 });
		const [o] = await overlayFor(t1.id);
		expect(o).toMatchObject({ txid, patch: { subject: 'Mine' } });
		expect(await db.pendingTxids.toArray()).toEqual([expect.objectContaining({ txid, tables: ['tickets'] })]);
		// the UI still shows the pending value over the old synced row
		const shown = withOverlays(await allTickets(db), await db.overlays.toArray(), { table: 'tickets' });
		expect(shown.find((r) => r.id === t1.id)).toMatchObject({ subject: 'Mine', $pending: true });

		// an unrelated change (another txid) does not confirm it
		peer.change('tickets', 'update', { id: ticket(2).id, status: 'waiting' });
		await until(async () => (await getTicket(db, ticket(2).id))?.status === 'waiting');
		expect(await overlayFor(t1.id)).toHaveLength(1);

		peer.change('tickets', 'update', { id: t1.id, subject: 'Mine' }, { txid });
		await until(async () => (await overlayFor(t1.id)).length === 0, { what: 'overlay dropped' });
		expect(await db.pendingTxids.count()).toBe(0);
		expect((await getTicket(db, t1.id))!.subject).toBe('Mine');
		// the synced rows equal the server's
		expect((await allTickets(db)).map((r) => [r.id, r.subject, r.status]).sort()).toEqual(peer.rows('tickets').map((r) => [r.id, r.subject, r.status]).sort());
	});

	it('handles the stream beating the mutation response (txid seen first)', async () => {
		let txid = 0;
		peer.mutationHandler = ({ args }, { peer: p }) => {
			txid = p.nextTxid();
			p.change('tickets', 'update', { id: args.id, subject: args.set.subject }, { txid });
			return { status: 'applied', txid };
		};
		await edit('Fast');
		// hold the response back until the stream has delivered the change
		const realFetch = globalThis.fetch;
		const slowBox = new Outbox({
			db,
			userId: 'u1',
			baseUrl: peer.url,
			auto: false,
			syncedShapes: () => new Set(rep.shapes),
			fetchClient: async (...a) => {
				const res = await realFetch(...a);
				await until(async () => (await db.seenTxids.where('[txid+shape]').equals([txid, 'tickets']).count()) === 1, { what: 'stream first' });
				return res;
			}
		});
		expect(await slowBox.flush()).toMatchObject({ applied: 1 });
		expect(await overlayFor(t1.id)).toHaveLength(0);
		expect(await db.pendingTxids.count()).toBe(0);
	});

	it('confirms per table: a mutation touching two shapes keeps the other overlay until its shape shows the txid', async () => {
		const commentId = '0190a000-0000-7000-8000-00000000c001';
		let txid = 0;
		peer.mutationHandler = () => ({ status: 'applied', txid: (txid = peer.nextTxid()) });
		await enqueueMutation(db, 'u1', 'comment.add', { id: commentId, ticket_id: t1.id, body: 'hi' }, {
			overlays: [
				{ table: 'ticket_comments', key: commentId, op: 'insert', patch: { id: commentId, ticket_id: t1.id, body: 'hi' } },
				{ table: 'tickets', key: t1.id, op: 'update', patch: { status: 'in_progress' } }
			]
		});
		await box.flush();
		peer.change('tickets', 'update', { id: t1.id, status: 'in_progress' }, { txid });
		await until(async () => (await overlayFor(t1.id)).length === 0, { what: 'tickets overlay' });
		expect(await db.overlays.where('table').equals('ticket_comments').count()).toBe(1);
		expect(await db.pendingTxids.get((await db.overlays.toArray())[0].mutationId)).toMatchObject({ tables: ['ticket_comments'], seenAt: expect.any(Number) });
		peer.change('ticket_comments', 'insert', { id: commentId, ticket_id: t1.id, body: 'hi', created_at: '2026-03-01 10:00:00+00' }, { txid });
		await until(async () => (await db.overlays.count()) === 0, { what: 'comment overlay' });
		expect(await db.pendingTxids.count()).toBe(0);
		expect(await db.ticket_comments.get(commentId)).toMatchObject({ body: 'hi', created_at: '2026-03-01T10:00:00.000000Z' });
	});

	it('fallbacks: seen elsewhere → dropped after settle; never seen → dropped after the timeout while shapes stay live', async () => {
		peer.mutationHandler = () => ({ status: 'applied', txid: peer.nextTxid() });
		const commentId = '0190a000-0000-7000-8000-00000000c002';
		const { id: m1 } = await enqueueMutation(db, 'u1', 'comment.add', {}, { overlays: [{ table: 'ticket_comments', key: commentId, op: 'insert', patch: { id: commentId } }, { table: 'tickets', key: t1.id, op: 'update', patch: { x: 1 } }] });
		const { id: m2 } = await edit('Never streamed');
		await box.flush();
		const p1 = (await db.pendingTxids.get(m1))!;
		// m1's txid shows up in tickets only (its comment was filtered out of our shape)
		peer.change('tickets', 'update', { id: t1.id, subject: 'x' }, { txid: p1.txid });
		await until(async () => (await db.pendingTxids.get(m1))?.tables.length === 1);
		const opts = { liveSince: (s: string) => rep.liveSince(s), syncedShapes: new Set(rep.shapes), settleMs: 3_000, timeoutMs: 60_000 };
		expect(await sweepPending(db, { ...opts, now: Date.now() })).toBe(0);
		expect(await sweepPending(db, { ...opts, now: Date.now() + 3_500 })).toBe(1);
		expect(await db.overlays.where('mutationId').equals(m1).count()).toBe(0);
		// m2 never appears anywhere
		expect(await db.overlays.where('mutationId').equals(m2).count()).toBe(1);
		expect(await sweepPending(db, { ...opts, now: Date.now() + 61_000 })).toBe(1);
		expect(await db.overlays.count()).toBe(0);
		expect(await db.pendingTxids.count()).toBe(0);
	});

	it('a pending txid folded into a re-sync snapshot (409) is confirmed by snapshot-end', async () => {
		let txid = 0;
		peer.mutationHandler = ({ args }, { peer: p }) => {
			txid = p.nextTxid();
			// committed on the server, but the shape is invalidated before it is streamed
			const s = p.shapes.get('tickets')!;
			s.rows.set(args.id, { ...s.rows.get(args.id)!, subject: args.set.subject });
			return { status: 'applied', txid };
		};
		await edit('Folded');
		await box.flush();
		expect(await overlayFor(t1.id)).toHaveLength(1);
		peer.rotate('tickets');
		await until(async () => (await overlayFor(t1.id)).length === 0, { what: 'confirmed by snapshot' });
		expect((await getTicket(db, t1.id))!.subject).toBe('Folded');
	});

	it('drops at once: overlays of an applied mutation without txid, and on tables no stream replicates', async () => {
		peer.mutationHandler = (m) => (m.name === 'noop' ? { status: 'applied' } : { status: 'applied', txid: peer.nextTxid() });
		await enqueueMutation(db, 'u1', 'noop', {}, { overlays: [{ table: 'tickets', key: t1.id, op: 'update', patch: { a: 1 } }] });
		await enqueueMutation(db, 'u1', 'asset.update', {}, { overlays: [{ table: 'assets', key: 'a1', op: 'update', patch: { a: 1 } }] });
		await box.flush();
		expect(await db.overlays.count()).toBe(0);
		expect(await db.pendingTxids.count()).toBe(0);
	});
});
