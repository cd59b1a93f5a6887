// The Dexie-free first screenful over a real (fake-indexeddb) database that Dexie created.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { OutpostDb } from './db';
import { peekRows } from './idb-peek';

let db: OutpostDb | undefined;
afterEach(async () => db?.delete());

describe('peekRows', () => {
	it('reads an index newest first, filtered, limited and bounded in what it scans', async () => {
		const name = `peek-${Math.random()}`;
		db = new OutpostDb(name);
		const iso = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
		await db.tickets.bulkPut(Array.from({ length: 40 }, (_, i) => ({ id: `t${i}`, subject: `T ${i}`, requester_id: i % 2 ? 'me' : 'other', assignee_id: i % 5 ? null : 'tech', updated_at: iso(i) })));
		db.close();

		const mine = await peekRows<{ id: string }>('tickets', { index: 'updated_at', direction: 'prev', limit: 3, filter: (r) => (r as unknown as { requester_id: string }).requester_id === 'me', dbName: name });
		expect(mine?.map((r) => r.id)).toEqual(['t39', 't37', 't35']);
		const bounded = await peekRows('tickets', { index: 'updated_at', direction: 'prev', limit: 10, maxScan: 4, filter: (r) => (r as { requester_id: string }).requester_id === 'me', dbName: name });
		expect(bounded).toHaveLength(2);
		const tech = await peekRows<{ id: string }>('tickets', { index: 'assignee_id', range: IDBKeyRange.only('tech'), limit: 100, dbName: name });
		expect(tech?.map((r) => r.id).sort()).toEqual(['t0', 't10', 't15', 't20', 't25', 't30', 't35', 't5']);
		expect(await peekRows('tickets', { index: 'no_such_index', limit: 5, dbName: name })).toBeNull();
		// Dexie opens it again afterwards as usual.
		db = new OutpostDb(name);
		expect(await db.tickets.count()).toBe(40);
	});

	it('answers null for a database that does not exist, without creating it', async () => {
		const name = `peek-none-${Math.random()}`;
		expect(await peekRows('tickets', { index: 'updated_at', limit: 5, dbName: name })).toBeNull();
		const names = (await indexedDB.databases()).map((d) => d.name);
		expect(names).not.toContain(name);
	});
});
