// The browser database's versions (src/lib/client/db.ts): a version-1 or version-3 database
// upgrades keeping its tickets, and version 5 moves a version-4 database's tickets into packed
// pages (sync/client/packed.ts) that the replicator then keeps up to date from the stored position.
import 'fake-indexeddb/auto';
import { describe, it, expect } from 'vitest';
import Dexie from 'dexie';
import { SHAPE_STORES, SHAPE_STORES_V3, SHAPE_STORES_V4, SYNC_STORES } from './schema';
import { PAGE_SIZE } from './packed';
import { Replicator } from './replicator';
import { startPeer, ticket, TICKET_SCHEMA } from './testing/peer';
import { OutpostDb } from '../../src/lib/client/db';
import { getTicket, countTickets, allTickets } from '../../src/lib/client/tickets';

const rows = Array.from({ length: 30 }, (_, i) => ({
	id: `0190b000-0000-7000-8000-${String(i).padStart(12, '0')}`,
	number: 1000 + i,
	status: ['new', 'in_progress', 'waiting', 'closed'][i % 4],
	updated_at: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}T09:30:00.000000Z`
}));

describe('browser database versions', () => {
	it('upgrades a version-1 database keeping its rows; status queries use the compound index', async () => {
		const name = `schema-${Date.now()}-${Math.random()}`;
		const v1 = new Dexie(name);
		v1.version(1).stores({ ...SHAPE_STORES, ...SYNC_STORES });
		await v1.table('tickets').bulkPut(rows);
		await v1.table('shapeState').put({ shape: 'tickets', offset: '0_0', handle: 'h', updatedAt: 1 });
		v1.close();

		const db = new OutpostDb(name);
		try {
			await db.open();
			expect(db.verno).toBe(5);
			// Version 5 stores tickets packed: the per-row store and its indexes are gone.
			expect(db.tables.map((t) => t.name)).not.toContain('tickets');
			expect(db.ticketPages.schema.indexes.map((i) => [i.name, i.multi])).toEqual([['ids', true]]);
			expect(await countTickets(db)).toBe(30);
			expect((await db.shapeState.get('tickets'))?.offset).toBe('0_0');
			const open = await allTickets(db, (r) => r.status === 'new' || r.status === 'waiting');
			expect(open.map((r) => r.id).sort()).toEqual(rows.filter((r) => r.status === 'new' || r.status === 'waiting').map((r) => r.id).sort());
			// The rows keep every column.
			expect(await getTicket(db, rows[5].id)).toEqual(rows[5]);
		} finally {
			await db.delete();
		}
	});

	it('upgrades a version-3 database (tickets indexed by number) to 5', async () => {
		const name = `schema-v3-${Date.now()}-${Math.random()}`;
		const v3 = new Dexie(name);
		v3.version(3).stores({ ...SHAPE_STORES, ...SYNC_STORES, uploads: 'id, status, userId, mutationId, createdAt', ...SHAPE_STORES_V3 });
		await v3.table('tickets').bulkPut(rows);
		expect(await v3.table('tickets').where('number').equals(1005).count()).toBe(1);
		v3.close();

		const db = new OutpostDb(name);
		try {
			await db.open();
			expect(db.verno).toBe(5);
			expect(await countTickets(db)).toBe(30);
			expect((await getTicket(db, rows[7].id))?.number).toBe(1007);
		} finally {
			await db.delete();
		}
	});

	it('moves a version-4 database\'s tickets into pages; the replicator resumes from the stored position and keeps them live', async () => {
		const peer = await startPeer();
		const name = `schema-v4-${Date.now()}-${Math.random()}`;
		const all = Array.from({ length: PAGE_SIZE * 2 + 50 }, (_, i) => ticket(i + 1));
		const shape = peer.defineShape('tickets', TICKET_SCHEMA, all);
		// A version-4 database as the previous replicator left it: one record per row, position stored.
		const v4 = new Dexie(name);
		v4.version(4).stores({ ...SHAPE_STORES, ...SYNC_STORES, uploads: 'id, status, userId, mutationId, createdAt', ...SHAPE_STORES_V3, ...SHAPE_STORES_V4 });
		await v4.table('tickets').bulkPut(all);
		await v4.table('shapeState').put({ shape: 'tickets', handle: shape.handle, offset: '0_0', updatedAt: 1 });
		v4.close();

		const db = new OutpostDb(name);
		const rep = new Replicator({ db, shapes: ['tickets'], baseUrl: peer.url, backoff: { initialDelay: 10, maxDelay: 100, multiplier: 2 } });
		try {
			await db.open();
			expect(db.verno).toBe(5);
			const pages = await db.ticketPages.toArray();
			expect(pages.map((p) => p.ids.length)).toEqual([PAGE_SIZE, PAGE_SIZE, 50]);
			for (const p of pages) expect(p.ids).toEqual(p.rows.map((r) => r.id));
			expect(await countTickets(db)).toBe(all.length);

			await rep.start();
			await rep.whenLive();
			// Resumed, not re-synced: no request from offset -1.
			expect(peer.requests.filter((r) => r.path === '/api/sync/shape' && r.query.offset === '-1')).toHaveLength(0);
			peer.change('tickets', 'update', { id: all[150].id, subject: 'after the upgrade' });
			peer.change('tickets', 'delete', { id: all[3].id });
			const until = Date.now() + 10_000;
			while ((await getTicket(db, all[150].id))?.subject !== 'after the upgrade' || (await getTicket(db, all[3].id))) {
				if (Date.now() > until) throw new Error('live changes not applied');
				await new Promise((r) => setTimeout(r, 20));
			}
			expect(await countTickets(db)).toBe(all.length - 1);
		} finally {
			rep.stop();
			await peer.close();
			await db.delete();
		}
	});
});
