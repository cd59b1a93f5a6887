// The browser database's versions (src/lib/client/db.ts): a version-1 database upgrades in place,
// queries on `status` keep working after version 3 dropped that index (the compound
// `[status+updated_at]` answers them), and version 4 drops the unqueried `number` index in place.
import 'fake-indexeddb/auto';
import { describe, it, expect } from 'vitest';
import Dexie from 'dexie';
import { SHAPE_STORES, SHAPE_STORES_V3, SYNC_STORES } from './schema';
import { OutpostDb } from '../../src/lib/client/db';

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
			expect(db.verno).toBe(4);
			const idx = db.tickets.schema.indexes.map((i) => i.name);
			expect(idx).not.toContain('status');
			expect(idx).not.toContain('number');
			expect(idx.sort()).toEqual(['[status+updated_at]', 'assignee_id', 'priority', 'requester_id', 'team_id', 'updated_at']);
			expect(idx).toContain('[status+updated_at]');
			expect(await db.tickets.count()).toBe(30);
			expect((await db.shapeState.get('tickets'))?.offset).toBe('0_0');

			const open = await db.tickets.where('status').anyOf(['new', 'waiting']).toArray();
			expect(open.map((r) => r.id).sort()).toEqual(rows.filter((r) => r.status === 'new' || r.status === 'waiting').map((r) => r.id).sort());
			expect(await db.tickets.where('status').equals('closed').count()).toBe(rows.filter((r) => r.status === 'closed').length);
			expect(await db.tickets.where('status').noneOf(['closed']).count()).toBe(rows.filter((r) => r.status !== 'closed').length);
			// Within one status, rows come in updated_at order (the compound index's second part).
			const waiting = await db.tickets.where('status').equals('waiting').toArray();
			expect(waiting.map((r) => r.updated_at)).toEqual([...waiting.map((r) => r.updated_at)].sort());
			expect(await db.tickets.orderBy('updated_at').first()).toBeTruthy();
			// The rows keep their number (only the index went); finding one by number is a filter.
			expect((await db.tickets.filter((r) => r.number === 1005).toArray()).map((r) => r.id)).toEqual([rows[5].id]);
		} finally {
			await db.delete();
		}
	});

	it('upgrades a version-3 database (tickets indexed by number) to 4 in place', async () => {
		const name = `schema-v3-${Date.now()}-${Math.random()}`;
		const v3 = new Dexie(name);
		v3.version(3).stores({ ...SHAPE_STORES, ...SYNC_STORES, uploads: 'id, status, userId, mutationId, createdAt', ...SHAPE_STORES_V3 });
		await v3.table('tickets').bulkPut(rows);
		expect(await v3.table('tickets').where('number').equals(1005).count()).toBe(1);
		v3.close();

		const db = new OutpostDb(name);
		try {
			await db.open();
			expect(db.verno).toBe(4);
			expect(db.tickets.schema.indexes.map((i) => i.name)).not.toContain('number');
			expect(await db.tickets.count()).toBe(30);
			expect((await db.tickets.get(rows[7].id))?.number).toBe(1007);
			expect(await db.tickets.where('[status+updated_at]').between(['closed', ''], ['closed', Dexie.maxKey]).count()).toBe(rows.filter((r) => r.status === 'closed').length);
		} finally {
			await db.delete();
		}
	});
});
