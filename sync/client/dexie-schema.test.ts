// The browser database's versions (src/lib/client/db.ts): a version-1 database upgrades in place,
// and queries on `status` keep working after version 3 dropped that index (the compound
// `[status+updated_at]` answers them).
import 'fake-indexeddb/auto';
import { describe, it, expect } from 'vitest';
import Dexie from 'dexie';
import { SHAPE_STORES, SYNC_STORES } from './schema';
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
			expect(db.verno).toBe(3);
			const idx = db.tickets.schema.indexes.map((i) => i.name);
			expect(idx).not.toContain('status');
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
			expect(await db.tickets.where('number').equals(1005).count()).toBe(1);
		} finally {
			await db.delete();
		}
	});
});
