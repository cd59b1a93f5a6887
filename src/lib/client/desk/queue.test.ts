// The desk's queue over a real Dexie (fake-indexeddb): views pick the right rows through the
// indexes, overlays move rows in and out, the text/tags/type pass keeps the order.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { OutpostDb, clearSyncedData } from '../db';
import { defaultDeskQuery, deskScreenKey, emptyFilters, loadQueue, peekFirstPage, warmDeskScreen, overlayRows, refine, sortRows, watchQueue, type QueueQuery, type SortKey } from './queue';
import { slaState } from './sla';
import type { OverlayRecord } from '$sync/client/schema';
import { putTickets, patchTicket } from '../../../../sync/client/testing/helpers';

const NOW = Date.parse('2026-03-02T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');
const ME = 'u-me';
let db: OutpostDb;
afterEach(async () => db?.delete());

async function seed() {
	db = new OutpostDb(`desk-${Math.random()}`);
	const rows = [
		{ id: 't1', number: 1, subject: 'Printer jam', status: 'new', priority: 'high', assignee_id: null, team_id: 'team-a', tags: ['printer'], updated_at: iso(NOW - 1000), created_at: iso(NOW - 9000), first_response_due_at: iso(NOW + 30 * 60_000) },
		{ id: 't2', number: 2, subject: 'VPN down', status: 'in_progress', priority: 'critical', assignee_id: ME, team_id: 'team-a', tags: ['vpn'], updated_at: iso(NOW - 2000), created_at: iso(NOW - 8000), first_response_at: iso(NOW - 5000), resolution_due_at: iso(NOW - 60_000) },
		{ id: 't3', number: 3, subject: 'Laptop slow', status: 'waiting', priority: 'low', assignee_id: 'u-other', team_id: null, tags: [], updated_at: iso(NOW - 3000), created_at: iso(NOW - 7000), resolution_due_at: iso(NOW + 86_400_000), sla_paused: true },
		{ id: 't4', number: 4, subject: 'Password reset', status: 'closed', priority: 'medium', assignee_id: ME, team_id: null, tags: [], updated_at: iso(NOW - 86_400_000), created_at: iso(NOW - 2 * 86_400_000) },
		{ id: 't5', number: 5, subject: 'Old printer', status: 'resolved', priority: 'low', assignee_id: null, team_id: null, tags: ['printer'], updated_at: iso(NOW - 30 * 86_400_000), created_at: iso(NOW - 40 * 86_400_000) },
		{ id: 't6', number: 6, subject: 'Gone', status: 'new', priority: 'low', assignee_id: null, team_id: null, tags: [], updated_at: iso(NOW), created_at: iso(NOW), deleted_at: iso(NOW) }
	];
	await putTickets(db, rows);
}
const q = (over: Partial<QueueQuery> = {}): QueueQuery => ({ view: 'open', filters: emptyFilters(), sort: 'updated_desc', userId: ME, now: NOW, ...over });
const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

describe('desk queue', () => {
	it('re-sorts the loaded rows in memory exactly as the indexed query would sort them', async () => {
		await seed();
		const loaded = await loadQueue(db, q({ view: 'all' as never }));
		for (const sort of ['updated_asc', 'priority', 'due', 'number_desc', 'created_desc', 'updated_desc'] as SortKey[]) {
			expect(ids(sortRows(loaded, sort, 'updated_desc')), sort).toEqual(ids(await loadQueue(db, q({ view: 'all' as never, sort }))));
		}
		expect(sortRows(loaded, 'updated_desc', 'updated_desc')).toBe(loaded);
	});

	it('sorts many rows with ties exactly as a stable comparator sort does', () => {
		// 5000 rows newest first, few distinct priorities, dues and numbers (many ties), some missing.
		let seedN = 7;
		const rnd = (k: number) => (seedN = (seedN * 48271) % 2147483647) % k;
		const rows = Array.from({ length: 5000 }, (_, i) => {
			const updatedMs = NOW - i * 1000 - (i % 3 === 0 ? 0 : 500);
			const createdMs = rnd(5) === 0 ? 0 : NOW - rnd(50) * 60_000;
			return { id: `r${i}`, number: rnd(10) === 0 ? null : rnd(400), subject: '', status: 'new', priority: ['low', 'medium', 'high', 'critical', 'odd'][rnd(5)], assignee_id: null, team_id: null, requester_id: null, type_id: null, tags: [], updated_at: new Date(updatedMs).toISOString(), created_at: createdMs ? new Date(createdMs).toISOString() : '', sla: 'none' as const, due: rnd(4) === 0 ? Infinity : NOW + rnd(30) * 60_000, search: '', updatedMs, createdMs };
		});
		const rank: Record<string, number> = { low: 0, medium: 1, high: 2, critical: 3 };
		const key = (r: (typeof rows)[number], sort: SortKey): [number, number] => {
			switch (sort) {
				case 'priority':
					return [-(rank[r.priority] ?? -1), -r.updatedMs];
				case 'due':
					return [r.due, -r.updatedMs];
				case 'number_desc':
					return [-(r.number ?? 0), 0];
				case 'created_desc':
					return [-r.createdMs, 0];
				case 'updated_asc':
					return [r.updatedMs, 0];
				default:
					return [-r.updatedMs, 0];
			}
		};
		for (const sort of ['priority', 'due', 'number_desc', 'created_desc'] as SortKey[]) {
			const expected = rows
				.map((r, i) => ({ r, i, k: key(r, sort) }))
				.sort((a, b) => (a.k[0] === b.k[0] ? a.k[1] - b.k[1] || a.i - b.i : a.k[0] < b.k[0] ? -1 : 1))
				.map((x) => x.r.id);
			expect(ids(sortRows(rows, sort, 'updated_desc')), sort).toEqual(expected);
		}
	});

	it('builds each saved view from the indexes', async () => {
		await seed();
		expect(ids(await loadQueue(db, q({ view: 'open' })))).toEqual(['t1', 't2', 't3']);
		expect(ids(await loadQueue(db, q({ view: 'mine' })))).toEqual(['t2']);
		expect(ids(await loadQueue(db, q({ view: 'unassigned' })))).toEqual(['t1']);
		expect(ids(await loadQueue(db, q({ view: 'breaching', sort: 'due' })))).toEqual(['t2', 't1']);
		expect(ids(await loadQueue(db, q({ view: 'closed' })))).toEqual(['t4']);
	});

	it('peeks a first screenful without Dexie: each status head newest first, merged, limited, then sorted', async () => {
		await seed();
		expect(ids((await peekFirstPage(q({ view: 'open' }), 2, db.name))!)).toEqual(['t1', 't2']);
		expect(ids((await peekFirstPage(q({ view: 'open', sort: 'priority' }), 60, db.name))!)).toEqual(['t2', 't1', 't3']);
		expect(ids((await peekFirstPage(q({ view: 'open', filters: { ...emptyFilters(), status: ['waiting', 'new'] } }), 60, db.name))!)).toEqual(['t1', 't3']);
		expect(ids((await peekFirstPage(q({ view: 'unassigned' }), 60, db.name))!)).toEqual(['t1']);
		// no status fixed by the view: the updated_at index, newest first (the deleted t6 is skipped)
		expect(ids((await peekFirstPage(q({ view: 'closed' }), 60, db.name))!)).toEqual(['t4']);
		expect(await peekFirstPage(q(), 60, `desk-none-${Math.random()}`)).toBeNull();
	});

	it('applies filters and sorts', async () => {
		await seed();
		expect(ids(await loadQueue(db, q({ filters: { ...emptyFilters(), team: ['team-a'] }, sort: 'priority' })))).toEqual(['t2', 't1']);
		expect(ids(await loadQueue(db, q({ filters: { ...emptyFilters(), assignee: ['none'] } })))).toEqual(['t1']);
		expect(ids(await loadQueue(db, q({ filters: { ...emptyFilters(), assignee: ['me', 'u-other'] } })))).toEqual(['t2', 't3']);
		expect(ids(await loadQueue(db, q({ filters: { ...emptyFilters(), status: ['waiting'] } })))).toEqual(['t3']);
		const rows = await loadQueue(db, q({ sort: 'number_desc' }));
		expect(ids(refine(rows, { text: '', tags: ['printer', 'vpn'], type: [] }))).toEqual(['t2', 't1']);
		expect(ids(refine(rows, { text: '  JAM print ', tags: [], type: [] }))).toEqual(['t1']);
		expect(ids(refine(rows, { text: '#3', tags: [], type: [] }))).toEqual(['t3']);
		expect(ids(refine(rows, { text: '', tags: [], type: ['none'] }))).toEqual(['t3', 't2', 't1']);
	});

	it('lays pending overlays over rows: they leave a view they no longer match, inserts join, both are marked', async () => {
		await seed();
		const rows = await loadQueue(db, q({ view: 'unassigned' }));
		const overlays: OverlayRecord[] = [
			{ oid: 1, mutationId: 'm1', table: 'tickets', key: 't1', op: 'update', patch: { assignee_id: ME, updated_at: iso(NOW) }, createdAt: NOW },
			{ oid: 2, mutationId: 'm2', table: 'tickets', key: 'new1', op: 'insert', patch: { id: 'new1', subject: 'Offline ticket', status: 'new', priority: 'medium', assignee_id: null, updated_at: iso(NOW), created_at: iso(NOW) }, createdAt: NOW }
		];
		const out = overlayRows(rows, overlays, q({ view: 'unassigned' }));
		expect(ids(out)).toEqual(['new1']);
		expect(out[0].pending).toBe(true);
		const mine = overlayRows(await loadQueue(db, q({ view: 'open' })), overlays, q({ view: 'open' }));
		const t1 = mine.find((r) => r.id === 't1')!;
		expect(t1.assignee_id).toBe(ME);
		expect(t1.pendingFields).toEqual(['assignee_id']);
		expect(rows).toHaveLength(1); // the input is not modified
	});

	it('reads the SLA columns', () => {
		expect(slaState({ status: 'new', first_response_due_at: iso(NOW + 3600_000) }, NOW)).toMatchObject({ kind: 'soon', target: 'first_response' });
		expect(slaState({ status: 'new', first_response_due_at: iso(NOW + 5 * 3600_000) }, NOW).kind).toBe('ok');
		expect(slaState({ status: 'in_progress', first_response_at: iso(NOW), resolution_due_at: iso(NOW - 1) }, NOW)).toMatchObject({ kind: 'breached', target: 'resolution' });
		expect(slaState({ status: 'waiting', sla_paused: true, resolution_due_at: iso(NOW + 1) }, NOW).kind).toBe('paused');
		expect(slaState({ status: 'closed', resolution_due_at: iso(NOW - 1) }, NOW).kind).toBe('met');
		expect(slaState({ status: 'closed', resolution_due_at: iso(NOW - 1), resolution_breached_at: iso(NOW) }, NOW).kind).toBe('breached');
		expect(slaState({ status: 'new' }, NOW).kind).toBe('none');
	});
});

describe('watchQueue', () => {
	it('reloads after writes to tickets, coalescing a burst into few reloads', async () => {
		await seed();
		const seen: string[][] = [];
		const stop = watchQueue(db, q({ view: 'open' }), { rows: (r) => seen.push(ids(r)), error: (e) => { throw e; } }, 50);
		const until = async (fn: () => boolean) => {
			for (let i = 0; i < 200 && !fn(); i++) await new Promise((r) => setTimeout(r, 10));
		};
		await until(() => seen.length === 1);
		expect(seen[0]).toEqual(['t1', 't2', 't3']);
		for (let i = 0; i < 20; i++) await patchTicket(db, 't3', { subject: `Laptop slow ${i}` });
		await patchTicket(db, 't3', { status: 'resolved' });
		await until(() => seen.at(-1)?.length === 2);
		expect(seen.at(-1)).toEqual(['t1', 't2']);
		expect(seen.length).toBeLessThan(10);
		// The burst's last coalesced reload may still be on its way on a busy machine: let it land.
		for (let last = -1; last !== seen.length; ) {
			last = seen.length;
			await new Promise((r) => setTimeout(r, 120));
		}
		await db.users.put({ id: 'someone' }); // other tables do not reload the queue
		const n = seen.length;
		await new Promise((r) => setTimeout(r, 120));
		expect(seen.length).toBe(n);
		stop();
	});

	it('saves the first screenful it showed; the next peek paints it from that one record; sign-out clears it', async () => {
		await seed();
		const query = q({ view: 'open', sort: 'priority' });
		let shown: string[] = [];
		const stop = watchQueue(db, query, { rows: (r) => (shown = ids(r)), error: (e) => { throw e; } }, 50);
		for (let i = 0; i < 300 && !(await db.ticketScreens.count()); i++) await new Promise((r) => setTimeout(r, 10));
		stop();
		expect(shown).toEqual(['t2', 't1', 't3']);
		// Changed underneath: the saved screen still answers the peek (the live view replaces it).
		await patchTicket(db, 't1', { status: 'closed' });
		expect(ids((await peekFirstPage(query, 60, db.name))!)).toEqual(['t2', 't1', 't3']);
		// Without a saved screen (another view), every page is read, and the result saved for next time.
		expect(ids((await peekFirstPage(q({ view: 'open' }), 60, db.name))!)).toEqual(['t2', 't3']);
		expect(await db.ticketScreens.count()).toBe(2);
		await clearSyncedData(db);
		expect(await db.ticketScreens.count()).toBe(0);
		expect(await peekFirstPage(query, 60, db.name)).toEqual([]);
	});

	it('warmDeskScreen saves the default view\'s first screenful where the desk\'s first peek reads it, once, and never an empty one', async () => {
		db = new OutpostDb(`desk-${Math.random()}`);
		// Nothing synced yet: nothing saved (the tickets may still be arriving).
		expect(await warmDeskScreen(ME, db.name)).toBe(false);
		expect(await db.ticketScreens.count()).toBe(0);
		db.close();
		await seed();
		expect(await warmDeskScreen(ME, db.name)).toBe(true);
		const saved = await db.ticketScreens.get(deskScreenKey(defaultDeskQuery(ME)));
		expect(ids(saved!.rows as { id: string }[])).toEqual(['t1', 't2', 't3']);
		// The desk's first peek (the default query as its layout builds it) paints that record.
		await patchTicket(db, 't1', { status: 'closed' });
		const layoutQuery: QueueQuery = { view: 'open', sort: 'updated_desc', userId: ME, filters: { ...emptyFilters(), status: [], priority: [], assignee: [], team: [] } };
		expect(ids((await peekFirstPage(layoutQuery, 60, db.name))!)).toEqual(['t1', 't2', 't3']);
		// Already saved (the live view keeps it current): not recomputed.
		expect(await warmDeskScreen(ME, db.name)).toBe(false);
		expect(ids((await db.ticketScreens.get(deskScreenKey(defaultDeskQuery(ME))))!.rows as { id: string }[])).toEqual(['t1', 't2', 't3']);
	});
});
