// The Dexie-free first screenful over a real (fake-indexeddb) database that Dexie created.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { OutpostDb } from './db';
import { peekRows, peekThenLive } from './idb-peek';
import { countTickets } from './tickets';
import { peekTickets } from './ticket-screens';
import { patchTicket, putTickets } from '../../../sync/client/testing/helpers';
import { PAGE_SIZE } from '../../../sync/client/packed';

let db: OutpostDb | undefined;
afterEach(async () => db?.delete());

describe('peekRows', () => {
	it('reads an index newest first, filtered, limited and bounded in what it scans', async () => {
		const name = `peek-${Math.random()}`;
		db = new OutpostDb(name);
		const iso = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
		await db.notifications.bulkPut(Array.from({ length: 40 }, (_, i) => ({ id: `n${i}`, user_id: i % 2 ? 'me' : 'other', ticket_id: i % 5 ? undefined : 'tk', created_at: iso(i) })));
		db.close();

		const mine = await peekRows<{ id: string }>('notifications', { index: 'created_at', direction: 'prev', limit: 3, filter: (r) => (r as unknown as { user_id: string }).user_id === 'me', dbName: name });
		expect(mine?.map((r) => r.id)).toEqual(['n39', 'n37', 'n35']);
		const bounded = await peekRows('notifications', { index: 'created_at', direction: 'prev', limit: 10, maxScan: 4, filter: (r) => (r as { user_id: string }).user_id === 'me', dbName: name });
		expect(bounded).toHaveLength(2);
		const tk = await peekRows<{ id: string }>('notifications', { index: 'ticket_id', range: IDBKeyRange.only('tk'), limit: 100, dbName: name });
		expect(tk?.map((r) => r.id).sort()).toEqual(['n0', 'n10', 'n15', 'n20', 'n25', 'n30', 'n35', 'n5']);
		expect(await peekRows('notifications', { index: 'no_such_index', limit: 5, dbName: name })).toBeNull();
		// Dexie opens it again afterwards as usual.
		db = new OutpostDb(name);
		expect(await db.notifications.count()).toBe(40);
	});

	it('answers null for a database that does not exist, without creating it', async () => {
		const name = `peek-none-${Math.random()}`;
		expect(await peekRows('tickets', { index: 'updated_at', limit: 5, dbName: name })).toBeNull();
		expect(await peekTickets(() => true, { dbName: name })).toBeNull();
		const names = (await indexedDB.databases()).map((d) => d.name);
		expect(names).not.toContain(name);
	});

	it('reads several key ranges in one go, up to the limit from each', async () => {
		const name = `peek-ranges-${Math.random()}`;
		db = new OutpostDb(name);
		const iso = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
		const users = ['a', 'b', 'c'];
		await db.notifications.bulkPut(Array.from({ length: 30 }, (_, i) => ({ id: `n${i}`, user_id: users[i % 3], created_at: iso(i) })));
		const rows = await peekRows<{ id: string }>('notifications', { index: '[user_id+created_at]', range: ['a', 'b'].map((u) => IDBKeyRange.bound([u], [u, []])), direction: 'prev', limit: 2, dbName: name });
		expect(rows?.map((r) => r.id)).toEqual(['n27', 'n24', 'n28', 'n25']);
	});
});

describe('peekTickets (packed pages, without Dexie)', () => {
	it('reads every page (more than one getAll), filtered, up to the limit; sees live changes', async () => {
		const name = `peek-packed-${Math.random()}`;
		db = new OutpostDb(name);
		const n = PAGE_SIZE * 60 + 7; // more pages than one getAll request reads
		await putTickets(db, Array.from({ length: n }, (_, i) => ({ id: `t${String(i).padStart(5, '0')}`, assignee_id: i % 250 ? null : 'tech', requester_id: i % 2 ? 'me' : 'other' })));
		await patchTicket(db, 't00250', { assignee_id: null });
		await putTickets(db, [{ id: 'zz-new', assignee_id: 'tech' }]);
		db.close();

		const tech = await peekTickets((r) => r.assignee_id === 'tech', { dbName: name });
		const expected = Array.from({ length: n }, (_, i) => i).filter((i) => i % 250 === 0 && i !== 250).map((i) => `t${String(i).padStart(5, '0')}`);
		expect(tech?.map((r) => r.id).sort()).toEqual([...expected, 'zz-new']);
		const three = await peekTickets((r) => r.requester_id === 'me', { dbName: name, limit: 3 });
		expect(three?.map((r) => r.id)).toEqual(['t00001', 't00003', 't00005']);
		db = new OutpostDb(name);
		expect(await countTickets(db)).toBe(n + 1);
	});
});

describe('peekThenLive', () => {
	const tick = () => new Promise((r) => setTimeout(r, 0));

	it('shows the peeked rows, then starts the live query after the peek, and stops it', async () => {
		const log: string[] = [];
		let resolvePeek!: (rows: string[] | null) => void;
		const stop = peekThenLive<string>({
			peek: () => new Promise((r) => (resolvePeek = r)),
			first: (rows) => log.push(`first ${rows.join(',')}`),
			live: async () => {
				log.push('live');
				return () => log.push('stopped');
			},
			error: () => log.push('error')
		});
		await tick();
		expect(log).toEqual([]); // the live query waits for the peek
		resolvePeek(['a', 'b']);
		await tick();
		expect(log).toEqual(['first a,b', 'live']);
		stop();
		expect(log).toEqual(['first a,b', 'live', 'stopped']);
	});

	it('skips empty or failed peeks, reports a failing live query, and stops one that starts late', async () => {
		const log: string[] = [];
		peekThenLive<string>({ peek: async () => null, first: () => log.push('first'), live: () => Promise.reject(new Error('x')), error: (e) => log.push(`error ${(e as Error).message}`) });
		peekThenLive<string>({ peek: () => Promise.reject(new Error('idb')), first: () => log.push('first'), live: async () => () => log.push('stopped 2'), error: () => log.push('error 2') });
		await tick();
		expect(log).toEqual(['error x']);
		let startLive!: (stop: () => void) => void;
		const stop = peekThenLive<string>({ peek: null, first: () => log.push('first'), live: () => new Promise((r) => (startLive = r)), error: () => {} });
		stop();
		startLive(() => log.push('late stopped'));
		await tick();
		expect(log).toEqual(['error x', 'late stopped']);
	});
});
