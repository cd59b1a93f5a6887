// Saved views live per user in Dexie `meta`; what is read back is cleaned (a stored value from an
// older version or another tool never breaks the queue).
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { OutpostDb } from '../db';
import { emptyFilters } from './queue';
import { loadViews, saveViews, type SavedView } from './views';

let db: OutpostDb;
afterEach(async () => db?.delete());

describe('saved views', () => {
	it('are kept per user and cleaned when read', async () => {
		db = new OutpostDb(`views-${Math.random()}`);
		const v: SavedView = { id: 'v1', name: '  VPN, mine ', base: 'mine', sort: 'priority', filters: { ...emptyFilters(), tags: ['vpn'], text: 'drop' } };
		await saveViews(db, 'u1', [v]);
		expect(await loadViews(db, 'u2')).toEqual([]);
		expect(await loadViews(db, 'u1')).toEqual([{ ...v, name: 'VPN, mine' }]);

		await db.meta.put({ key: 'desk.views.u3', value: [{ id: 'x', name: 'Odd', base: 'nope', sort: 'sideways', filters: { status: 'new', tags: [1, 'a'] } }, { id: 'y', name: '' }, null] });
		expect(await loadViews(db, 'u3')).toEqual([{ id: 'x', name: 'Odd', base: 'open', sort: 'updated_desc', filters: { ...emptyFilters(), tags: ['a'] } }]);
	});
});
