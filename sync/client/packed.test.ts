// Packed ticket storage (./packed.ts) through the real replicator against the protocol peer, on
// real Dexie (fake-indexeddb): the snapshot lands in full pages without lookups, live inserts,
// updates, deletes and move-outs rewrite the page holding the row, a must-refetch clears the pages
// and packs the new snapshot, pending overlays still lie over the rows, and the change watch the
// UIs use still fires.
import 'fake-indexeddb/auto';
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import Dexie from 'dexie';
import { freshDb, until, FAST } from './testing/helpers';
import { startPeer, ticket, TICKET_SCHEMA, type ProtocolPeer } from './testing/peer';
import { Replicator } from './replicator';
import { PAGE_SIZE } from './packed';
import type { OutpostDb } from '../../src/lib/client/db';
import { allTickets, countTickets, getTicket, getTickets, ticketsTouched, ticketsWithOverlays } from '../../src/lib/client/tickets';
import { readTicket } from '../../src/lib/client/desk/ticket';

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

const start = async () => {
	rep = new Replicator({ db, shapes: ['tickets'], baseUrl: peer.url, backoff: FAST, restartBackoff: { initialDelay: 10, maxDelay: 50 } });
	await rep.start();
	await rep.whenLive();
};

/** Every page well formed (ids match rows, none empty or over-full, no id twice); the sizes. */
async function pageSizes(): Promise<number[]> {
	const pages = await db.ticketPages.toArray();
	const seen = new Set<string>();
	for (const p of pages) {
		expect(p.ids).toEqual(p.rows.map((r) => r.id));
		expect(p.ids.length).toBeGreaterThan(0);
		expect(p.ids.length).toBeLessThanOrEqual(PAGE_SIZE);
		for (const id of p.ids) {
			expect(seen.has(id), `${id} stored twice`).toBe(false);
			seen.add(id);
		}
	}
	return pages.map((p) => p.ids.length);
}

describe('packed tickets through the replicator', () => {
	it('packs the snapshot into full pages, then applies live insert/update/delete/move-out to the pages', async () => {
		const all = Array.from({ length: 250 }, (_, i) => ticket(i + 1));
		peer.defineShape('tickets', TICKET_SCHEMA, all);
		peer.chunkSize = 120; // three snapshot chunks → three batches
		await start();
		expect(await countTickets(db)).toBe(250);
		// Each batch packs its rows (120 → 100 + 20): no lookups, no page shared between batches.
		expect((await pageSizes()).sort((a, b) => b - a)).toEqual([100, 100, 20, 20, 10]);
		// Up to date: later inserts are looked up, and the stored position says so.
		expect((await db.shapeState.get('tickets'))?.fresh).toBeUndefined();
		expect(await getTicket(db, all[7].id)).toMatchObject({ id: all[7].id, subject: 'Ticket 8', number: 1008 });

		const pagesBefore = await db.ticketPages.count();
		peer.change('tickets', 'update', { id: all[130].id, status: 'in_progress', tags: ['vpn'] });
		peer.change('tickets', 'delete', { id: all[3].id });
		// Move-out: the row left the shape (e.g. reassigned away from a technician's view).
		peer.change('tickets', 'delete', { id: all[200].id });
		peer.change('tickets', 'insert', ticket(251));
		peer.change('tickets', 'insert', ticket(252));
		await until(async () => (await countTickets(db)) === 250 && (await getTicket(db, all[130].id))?.status === 'in_progress', { what: 'live changes' });
		expect(await getTicket(db, all[130].id)).toMatchObject({ subject: 'Ticket 131', tags: ['vpn'], status: 'in_progress' });
		expect(await getTickets(db, [all[3].id, all[200].id, ticket(251).id])).toEqual([undefined, undefined, expect.objectContaining({ number: 1251 })]);
		// New rows filled the newest page instead of starting one-row pages.
		expect(await db.ticketPages.count()).toBe(pagesBefore);
		await pageSizes();

		// An insert of a row already held (a compacted log entry resent) replaces it: no duplicate.
		peer.change('tickets', 'insert', { ...all[9], subject: 'Resent whole' });
		await until(async () => (await getTicket(db, all[9].id))?.subject === 'Resent whole', { what: 'replaced' });
		expect(await countTickets(db)).toBe(250);
		await pageSizes();
		expect((await allTickets(db)).map((t) => t.id).sort()).toEqual(peer.rows('tickets').map((t) => t.id).sort());
	});

	it('deleting every row of a page deletes the page', async () => {
		const all = Array.from({ length: 3 }, (_, i) => ticket(i + 1));
		peer.defineShape('tickets', TICKET_SCHEMA, all);
		await start();
		expect(await db.ticketPages.count()).toBe(1);
		for (const t of all) peer.change('tickets', 'delete', { id: t.id });
		await until(async () => (await countTickets(db)) === 0, { what: 'all deleted' });
		expect(await db.ticketPages.count()).toBe(0);
		peer.change('tickets', 'insert', ticket(9));
		await until(async () => (await countTickets(db)) === 1, { what: 'insert after empty' });
		expect(await pageSizes()).toEqual([1]);
	});

	it('must-refetch clears the pages and packs the new snapshot; overlays stay and lie over the rows', async () => {
		const all = Array.from({ length: 150 }, (_, i) => ticket(i + 1));
		peer.defineShape('tickets', TICKET_SCHEMA, all);
		await start();
		await db.overlays.add({ mutationId: 'm1', table: 'tickets', key: all[0].id, op: 'update', patch: { subject: 'mine', assignee_id: 'me' }, createdAt: Date.now() });
		await db.overlays.add({ mutationId: 'm2', table: 'tickets', key: 'offline-new', op: 'insert', patch: { id: 'offline-new', subject: 'created offline', assignee_id: 'me' }, createdAt: Date.now() });

		const s = peer.shapes.get('tickets')!;
		s.rows.delete(all[5].id);
		s.rows.set(ticket(500).id, ticket(500));
		peer.rotate('tickets');
		await until(async () => (await db.shapeState.get('tickets'))?.handle === s.handle && rep!.state().tickets.phase === 'live', { what: 're-sync' });
		expect(await countTickets(db)).toBe(150);
		expect(await getTicket(db, all[5].id)).toBeUndefined();
		expect(await getTicket(db, ticket(500).id)).toBeTruthy();
		expect(await pageSizes()).toEqual([100, 50]);

		// The synced row is unchanged underneath; readers see the pending change and the pending insert.
		expect((await getTicket(db, all[0].id))?.subject).toBe('Ticket 1');
		expect(await readTicket(db, all[0].id)).toMatchObject({ subject: 'mine', $pending: true });
		const mine = await ticketsWithOverlays(db, (t) => t.assignee_id === 'me');
		expect(mine.map((t) => t.id).sort()).toEqual([all[0].id, 'offline-new'].sort());
	});

	it('a replicated batch fires the change watch the UIs use (Dexie storagemutated on the tickets)', async () => {
		peer.defineShape('tickets', TICKET_SCHEMA, [ticket(1)]);
		await start();
		let fired = 0;
		const on = (parts: Record<string, unknown>) => {
			if (ticketsTouched(db, parts)) fired++;
		};
		Dexie.on.storagemutated.subscribe(on);
		try {
			peer.change('tickets', 'update', { id: ticket(1).id, subject: 'changed' });
			await until(() => fired > 0, { what: 'storagemutated' });
		} finally {
			Dexie.on.storagemutated.unsubscribe(on);
		}
	});
});
