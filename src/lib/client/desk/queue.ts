// The agent desk's ticket queue over local data, the Dexie part: stage 1 (the full view of the
// indexed filters, kept live by `watchQueue`). Loaded after the desk's first screenful; the rest
// (types, matcher, sorting, refine, overlays, the Dexie-free first page) is ./queue-core.ts,
// re-exported here.
import Dexie, { type Collection } from 'dexie';
import type { OutpostDb, TicketRow } from '../db';
import { CLOSED_STATUSES, OPEN_STATUSES, RECENT_CLOSED_DAYS, comparator, matcher, project, type QueueQuery, type QueueRow } from './queue-core';

export * from './queue-core';
export * from './queue-overlays';

/** Picks the most selective Dexie index for the view and filters. */
export function collectionFor(db: OutpostDb, q: QueueQuery): Collection<TicketRow, string> {
	const f = q.filters;
	const now = q.now ?? Date.now();
	const assignees = f.assignee.map((a) => (a === 'me' ? q.userId : a)).filter((a) => a !== 'none');
	if (q.view === 'mine') return db.tickets.where('assignee_id').equals(q.userId);
	if (assignees.length && assignees.length === f.assignee.length) return db.tickets.where('assignee_id').anyOf(assignees);
	if (f.team.length && !f.team.includes('none')) return db.tickets.where('team_id').anyOf(f.team);
	if (q.view === 'closed') {
		const since = new Date(now - RECENT_CLOSED_DAYS * 86_400_000).toISOString();
		const statuses = f.status.length ? CLOSED_STATUSES.filter((s) => f.status.includes(s)) : [...CLOSED_STATUSES];
		if (statuses.length === 1) return db.tickets.where('[status+updated_at]').between([statuses[0], since], [statuses[0], Dexie.maxKey]);
		return db.tickets.where('[status+updated_at]').between(['closed', since], ['closed', Dexie.maxKey]).or('[status+updated_at]').between(['resolved', since], ['resolved', Dexie.maxKey]);
	}
	if (f.status.length) return db.tickets.where('status').anyOf(f.status);
	if (q.view === 'open' || q.view === 'unassigned' || q.view === 'breaching') return db.tickets.where('status').anyOf([...OPEN_STATUSES]);
	if (f.priority.length) return db.tickets.where('priority').anyOf(f.priority);
	return db.tickets.toCollection();
}

/** Stage 1: the rows of a view (indexed filters applied), projected and sorted. */
export async function loadQueue(db: OutpostDb, q: QueueQuery): Promise<QueueRow[]> {
	const now = q.now ?? Date.now();
	const test = matcher({ ...q, now });
	const out: QueueRow[] = [];
	// toArray() on an index range is one getAll() per range in Chromium: far faster than a cursor
	// walk (each()), at the price of holding the full rows until they are projected here.
	const full = await collectionFor(db, q).toArray();
	for (const t of full) {
		if (t.deleted_at) continue;
		const r = project(t, now);
		if (test(r)) out.push(r);
	}
	return out.sort(comparator(q.sort));
}

/**
 * Keeps a view's rows live like a liveQuery, but throttled: any write to the tickets table (this
 * tab, another tab, the replicator) schedules one reload, at most one every `throttleMs`, never two
 * at once. A plain liveQuery would re-read the whole view for every replicated batch (an initial
 * sync of 50k tickets writes hundreds), keeping the main thread busy the whole time.
 */
export function watchQueue(db: OutpostDb, q: QueueQuery, on: { rows: (rows: QueueRow[]) => void; error: (e: unknown) => void }, throttleMs = 750): () => void {
	let stopped = false;
	let running = false;
	let dirty = false;
	let lastDone = -Infinity;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const run = async () => {
		if (running) {
			dirty = true;
			return;
		}
		running = true;
		dirty = false;
		try {
			const rows = await loadQueue(db, { ...q, now: Date.now() });
			if (!stopped) on.rows(rows);
		} catch (e) {
			if (!stopped) on.error(e);
		} finally {
			running = false;
			lastDone = performance.now();
			if (dirty && !stopped) schedule();
		}
	};
	const schedule = () => {
		if (timer !== undefined || stopped) return;
		const wait = Math.max(0, throttleMs - (performance.now() - lastDone));
		timer = setTimeout(() => {
			timer = undefined;
			void run();
		}, wait);
	};
	const prefix = `idb://${db.name}/tickets/`;
	const onMutated = (parts: Record<string, unknown>) => {
		for (const key in parts) {
			if (key.startsWith(prefix)) {
				if (running) dirty = true;
				else schedule();
				return;
			}
		}
	};
	Dexie.on.storagemutated.subscribe(onMutated);
	void run();
	return () => {
		stopped = true;
		clearTimeout(timer);
		Dexie.on.storagemutated.unsubscribe(onMutated);
	};
}
