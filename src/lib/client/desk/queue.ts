// The agent desk's ticket queue over local data, the Dexie part: stage 1 (the full view: every
// local ticket through ../tickets.ts, the view's filters applied, kept live by `watchQueue`).
// Loaded after the desk's first screenful; the rest
// (types, matcher, sorting, refine, overlays, the Dexie-free first page) is ./queue-core.ts,
// re-exported here.
import Dexie from 'dexie';
import type { OutpostDb, TicketRow } from '../db';
import { allTickets, saveScreen, ticketsTouched } from '../tickets';
import { CLOSED_STATUSES, OPEN_STATUSES, RECENT_CLOSED_DAYS, comparator, deskScreenKey, firstScreen, matcher, project, type QueueQuery, type QueueRow } from './queue-core';

export * from './queue-core';
export * from './queue-overlays';

/**
 * The cheap first cut of a view (what an index range picked before tickets were stored packed):
 * rows it rejects are not projected. The matcher still decides.
 */
export function prefilter(q: QueueQuery): (t: TicketRow) => boolean {
	const f = q.filters;
	const now = q.now ?? Date.now();
	const assignees = f.assignee.map((a) => (a === 'me' ? q.userId : a)).filter((a) => a !== 'none');
	if (q.view === 'mine') return (t) => t.assignee_id === q.userId;
	if (assignees.length && assignees.length === f.assignee.length) {
		const set = new Set(assignees);
		return (t) => set.has(t.assignee_id as string);
	}
	if (f.team.length && !f.team.includes('none')) {
		const set = new Set(f.team);
		return (t) => set.has(t.team_id as string);
	}
	if (q.view === 'closed') {
		const since = new Date(now - RECENT_CLOSED_DAYS * 86_400_000).toISOString();
		const statuses = new Set(f.status.length ? CLOSED_STATUSES.filter((s) => f.status.includes(s)) : [...CLOSED_STATUSES]);
		return (t) => statuses.has(t.status as (typeof CLOSED_STATUSES)[number]) && String(t.updated_at ?? '') >= since;
	}
	if (f.status.length) {
		const set = new Set(f.status);
		return (t) => set.has(t.status as string);
	}
	if (q.view === 'open' || q.view === 'unassigned' || q.view === 'breaching') {
		const set = new Set<string>(OPEN_STATUSES);
		return (t) => set.has(t.status as string);
	}
	if (f.priority.length) {
		const set = new Set(f.priority);
		return (t) => set.has(t.priority as string);
	}
	return () => true;
}

/** Stage 1: the rows of a view (every ticket read, the view's filters applied), projected and sorted. */
export async function loadQueue(db: OutpostDb, q: QueueQuery): Promise<QueueRow[]> {
	const now = q.now ?? Date.now();
	const test = matcher({ ...q, now });
	const pre = prefilter({ ...q, now });
	const out: QueueRow[] = [];
	for (const t of await allTickets(db, pre)) {
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
			if (!stopped) {
				on.rows(rows);
				// The next visit paints this first (peekFirstPage).
				saveScreen(db, deskScreenKey(q), () => firstScreen(rows, q.sort));
			}
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
	const onMutated = (parts: Record<string, unknown>) => {
		if (!ticketsTouched(db, parts)) return;
		if (running) dirty = true;
		else schedule();
	};
	Dexie.on.storagemutated.subscribe(onMutated);
	void run();
	return () => {
		stopped = true;
		clearTimeout(timer);
		Dexie.on.storagemutated.unsubscribe(onMutated);
	};
}
