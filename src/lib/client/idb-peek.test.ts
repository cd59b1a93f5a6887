// The Dexie-free first screenful over a real (fake-indexeddb) database that Dexie created.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { OutpostDb } from './db';
import { peekRows, peekThenLive } from './idb-peek';

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

	it('reads several key ranges in one go, up to the limit from each', async () => {
		const name = `peek-ranges-${Math.random()}`;
		db = new OutpostDb(name);
		const iso = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
		const statuses = ['new', 'waiting', 'closed'];
		await db.tickets.bulkPut(Array.from({ length: 30 }, (_, i) => ({ id: `t${i}`, status: statuses[i % 3], updated_at: iso(i) })));
		const rows = await peekRows<{ id: string }>('tickets', { index: '[status+updated_at]', range: ['new', 'waiting'].map((st) => IDBKeyRange.bound([st], [st, []])), direction: 'prev', limit: 2, dbName: name });
		expect(rows?.map((r) => r.id)).toEqual(['t27', 't24', 't28', 't25']);
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
