// The agent desk's ticket queue over local data (Dexie). Two stages, so a keystroke never
// re-reads IndexedDB:
//   1. `loadQueue` (run in a liveQuery): the view and the indexed filters pick a Dexie index
//      (assignee, team, [status+updated_at], status, priority), the rest is checked per row, and
//      each hit is projected to a small `QueueRow` and sorted once. Re-runs only when the view,
//      an indexed filter, the sort, or the tickets table change.
//   2. `refine` (synchronous, per debounced keystroke): text, tags and type over those rows,
//      order-preserving, so it stays a linear pass (a few ms over 50k rows).
// Pending overlays are laid over the projected rows by `overlayRows` (a small separate query).
import Dexie, { type Collection } from 'dexie';
import type { OutpostDb, TicketRow } from '../db';
import type { OverlayRecord } from '$sync/client/schema';
import { PRIORITIES, TICKET_STATUSES } from '$lib/domain/tickets/constants';
import { SOON_MS, slaState, type SlaKind } from './sla';

export const OPEN_STATUSES = ['new', 'in_progress', 'waiting'] as const;
export const CLOSED_STATUSES = ['resolved', 'closed'] as const;
export const BUILTIN_VIEWS = ['mine', 'unassigned', 'breaching', 'open', 'closed'] as const;
export type BuiltinView = (typeof BUILTIN_VIEWS)[number];
/** Recently closed = resolved or closed within this many days. */
export const RECENT_CLOSED_DAYS = 7;

export const SORTS = ['updated_desc', 'updated_asc', 'priority', 'due', 'number_desc', 'created_desc'] as const;
export type SortKey = (typeof SORTS)[number];

export interface QueueFilters {
	status: string[];
	priority: string[];
	/** user ids; `'none'` = unassigned, `'me'` = the signed-in user. */
	assignee: string[];
	team: string[];
	type: string[];
	tags: string[];
	text: string;
}

export const emptyFilters = (): QueueFilters => ({ status: [], priority: [], assignee: [], team: [], type: [], tags: [], text: '' });

export interface QueueQuery {
	view: BuiltinView;
	filters: QueueFilters;
	sort: SortKey;
	userId: string;
	now?: number;
}

/** What the queue keeps per ticket: small, flat, no description. */
export interface QueueRow {
	id: string;
	number: number | null;
	subject: string;
	status: string;
	priority: string;
	assignee_id: string | null;
	team_id: string | null;
	requester_id: string | null;
	type_id: string | null;
	tags: string[];
	updated_at: string;
	created_at: string;
	sla: SlaKind;
	/** ms epoch of the SLA deadline that matters now (Infinity when none). */
	due: number;
	/** lower-case "#number subject" for the text filter. */
	search: string;
	/** updated_at / created_at as ms epoch (0 when missing), for sorting in memory. */
	updatedMs: number;
	createdMs: number;
	pending?: boolean;
	pendingFields?: string[];
}

const PRIORITY_RANK: Record<string, number> = Object.fromEntries(PRIORITIES.map((p, i) => [p, i]));
const STATUS_RANK: Record<string, number> = Object.fromEntries(TICKET_STATUSES.map((s, i) => [s, i]));
export const priorityRank = (p: string) => PRIORITY_RANK[p] ?? -1;
export const statusRank = (s: string) => STATUS_RANK[s] ?? 99;

export function project(t: TicketRow, now: number): QueueRow {
	const sla = slaState(t, now);
	const number = typeof t.number === 'number' ? t.number : null;
	const subject = typeof t.subject === 'string' ? t.subject : '';
	return {
		id: t.id,
		number,
		subject,
		status: String(t.status ?? 'new'),
		priority: String(t.priority ?? 'medium'),
		assignee_id: (t.assignee_id as string | null | undefined) ?? null,
		team_id: (t.team_id as string | null | undefined) ?? null,
		requester_id: (t.requester_id as string | null | undefined) ?? null,
		type_id: (t.type_id as string | null | undefined) ?? null,
		tags: Array.isArray(t.tags) ? (t.tags as string[]) : [],
		updated_at: String(t.updated_at ?? ''),
		created_at: String(t.created_at ?? ''),
		sla: sla.kind,
		due: sla.due ?? Infinity,
		search: `#${number ?? ''} ${subject}`.toLowerCase(),
		updatedMs: Date.parse(String(t.updated_at ?? '')) || 0,
		createdMs: Date.parse(String(t.created_at ?? '')) || 0
	};
}

const has = (list: readonly string[], v: string | null) => list.includes(v ?? 'none');

/** The row-level test of the view and the indexed filters (also re-applied after overlays). */
export function matcher(q: QueueQuery): (r: QueueRow) => boolean {
	const now = q.now ?? Date.now();
	const f = q.filters;
	const closedSince = new Date(now - RECENT_CLOSED_DAYS * 86_400_000).toISOString();
	const assignees = f.assignee.map((a) => (a === 'me' ? q.userId : a));
	return (r) => {
		switch (q.view) {
			case 'mine':
				if (r.assignee_id !== q.userId || !OPEN_STATUSES.includes(r.status as never)) return false;
				break;
			case 'unassigned':
				if (r.assignee_id || !OPEN_STATUSES.includes(r.status as never)) return false;
				break;
			case 'breaching':
				if (!OPEN_STATUSES.includes(r.status as never) || !(r.sla === 'breached' || (r.sla === 'soon' && r.due - now <= SOON_MS))) return false;
				break;
			case 'open':
				if (!OPEN_STATUSES.includes(r.status as never)) return false;
				break;
			case 'closed':
				if (!CLOSED_STATUSES.includes(r.status as never) || r.updated_at < closedSince) return false;
				break;
		}
		if (f.status.length && !f.status.includes(r.status)) return false;
		if (f.priority.length && !f.priority.includes(r.priority)) return false;
		if (assignees.length && !has(assignees, r.assignee_id)) return false;
		if (f.team.length && !has(f.team, r.team_id)) return false;
		return true;
	};
}

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

export function comparator(sort: SortKey): (a: QueueRow, b: QueueRow) => number {
	const byUpdated = (a: QueueRow, b: QueueRow) => (a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0);
	switch (sort) {
		case 'updated_asc':
			return (a, b) => -byUpdated(a, b);
		case 'priority':
			return (a, b) => priorityRank(b.priority) - priorityRank(a.priority) || byUpdated(a, b);
		case 'due':
			return (a, b) => (a.due === b.due ? byUpdated(a, b) : a.due < b.due ? -1 : 1);
		case 'number_desc':
			return (a, b) => (b.number ?? 0) - (a.number ?? 0);
		case 'created_desc':
			return (a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0);
		default:
			return byUpdated;
	}
}

/**
 * Rows sorted by `sort`, given they are sorted by `current`: the same array when it already is,
 * a reversed copy between newest and oldest first, otherwise a sorted copy.
 */
export function sortRows(rows: QueueRow[], sort: SortKey, current: SortKey): QueueRow[] {
	if (sort === current) return rows;
	if ((sort === 'updated_asc' && current === 'updated_desc') || (sort === 'updated_desc' && current === 'updated_asc')) return rows.slice().reverse();
	// Numeric keys in typed arrays and an index sort: a comparator over objects and ISO strings
	// takes ~40 ms for 35k rows on a busy machine, this a few. Ties keep the input order, which is
	// newest first, as `comparator` breaks them.
	const n = rows.length;
	const k1 = new Float64Array(n);
	const k2 = new Float64Array(n);
	for (let i = 0; i < n; i++) {
		const r = rows[i];
		switch (sort) {
			case 'priority':
				k1[i] = -priorityRank(r.priority);
				k2[i] = -r.updatedMs;
				break;
			case 'due':
				k1[i] = r.due;
				k2[i] = -r.updatedMs;
				break;
			case 'number_desc':
				k1[i] = -(r.number ?? 0);
				break;
			case 'created_desc':
				k1[i] = -r.createdMs;
				break;
			case 'updated_asc':
				k1[i] = r.updatedMs;
				break;
			default:
				k1[i] = -r.updatedMs;
		}
	}
	const idx = new Uint32Array(n);
	for (let i = 0; i < n; i++) idx[i] = i;
	idx.sort((a, b) => (k1[a] === k1[b] ? k2[a] - k2[b] || a - b : k1[a] < k1[b] ? -1 : 1));
	const out = new Array<QueueRow>(n);
	for (let i = 0; i < n; i++) out[i] = rows[idx[i]];
	return out;
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
 * A quick first screenful (newest first) while the full view loads. When the view fixes the
 * statuses (open views, a status filter), each status is read newest first from the
 * `[status+updated_at]` index, limited, and the heads merged; otherwise the `updated_at` index is
 * walked newest first until `limit` rows match.
 */
export async function firstPage(db: OutpostDb, q: QueueQuery, limit = 60): Promise<QueueRow[]> {
	const now = q.now ?? Date.now();
	const test = matcher({ ...q, now });
	const keep = (t: TicketRow) => !t.deleted_at && test(project(t, now));
	const statuses: readonly string[] | null = q.filters.status.length ? q.filters.status : q.view === 'open' || q.view === 'unassigned' || q.view === 'breaching' ? OPEN_STATUSES : null;
	let rows: TicketRow[];
	if (statuses) {
		const heads = await Promise.all(
			statuses.map((s) =>
				db.tickets
					.where('[status+updated_at]')
					.between([s, Dexie.minKey], [s, Dexie.maxKey])
					.reverse()
					.filter(keep)
					.limit(limit)
					.toArray()
			)
		);
		rows = heads.flat().sort((a, b) => (String(a.updated_at ?? '') < String(b.updated_at ?? '') ? 1 : -1)).slice(0, limit);
	} else rows = await db.tickets.orderBy('updated_at').reverse().filter(keep).limit(limit).toArray();
	return rows.map((t) => project(t, now)).sort(comparator(q.sort));
}

/**
 * Lays pending overlays over queue rows: changed fields are replaced and flagged, rows that no
 * longer match leave, optimistic inserts join. Returns the input array untouched when there are none.
 */
export function overlayRows(rows: QueueRow[], overlays: readonly OverlayRecord[], q: QueueQuery): QueueRow[] {
	const mine = overlays.filter((o) => o.table === 'tickets');
	if (!mine.length) return rows;
	const now = q.now ?? Date.now();
	const byKey = new Map<string, OverlayRecord[]>();
	for (const o of mine) byKey.set(o.key, [...(byKey.get(o.key) ?? []), o]);
	const test = matcher({ ...q, now });
	const out: QueueRow[] = [];
	const seen = new Set<string>();
	for (const r of rows) {
		const list = byKey.get(r.id);
		if (!list) {
			out.push(r);
			continue;
		}
		seen.add(r.id);
		const merged = patchRow(r, list, now);
		if (merged && test(merged)) out.push(merged);
	}
	for (const [key, list] of byKey) {
		if (seen.has(key) || !list.some((o) => o.op === 'insert')) continue;
		const merged = patchRow(undefined, list, now);
		if (merged && test(merged)) out.push(merged);
	}
	return out;
}

function patchRow(r: QueueRow | undefined, list: OverlayRecord[], now: number): QueueRow | undefined {
	let cur: Record<string, unknown> | undefined = r ? { ...r } : undefined;
	const fields = new Set<string>();
	let deleted = false;
	for (const o of [...list].sort((a, b) => (a.oid ?? 0) - (b.oid ?? 0))) {
		if (o.op === 'delete') deleted = true;
		else if (o.op === 'insert' || cur) {
			cur = { ...(cur ?? {}), ...o.patch };
			Object.keys(o.patch).forEach((k) => fields.add(k));
		}
	}
	if (!cur || deleted) return undefined;
	const row = r && !fields.has('subject') && !fields.has('number') ? { ...(cur as unknown as QueueRow) } : project(cur as TicketRow, now);
	if (r && !fields.has('subject')) {
		row.sla = r.sla;
		row.due = r.due;
	}
	row.pending = true;
	row.pendingFields = [...fields].filter((f) => f !== 'updated_at' && f !== 'last_activity_at');
	return row;
}

/** Stage 2: text, tags and type, order-preserving (per debounced keystroke). */
export function refine(rows: QueueRow[], f: Pick<QueueFilters, 'text' | 'tags' | 'type'>): QueueRow[] {
	const words = f.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
	const tags = f.tags;
	const types = f.type;
	if (!words.length && !tags.length && !types.length) return rows;
	return rows.filter((r) => {
		for (const w of words) if (!r.search.includes(w)) return false;
		if (tags.length && !tags.some((tag) => r.tags.includes(tag))) return false;
		if (types.length && !has(types, r.type_id)) return false;
		return true;
	});
}

/** Re-sorts after overlays only when a pending change touched the sort key. */
export function resortIfNeeded(rows: QueueRow[], sort: SortKey): QueueRow[] {
	if (!rows.some((r) => r.pending)) return rows;
	return [...rows].sort(comparator(sort));
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
