// The agent desk's ticket queue: the part without Dexie (types, the per-row test, sorting, the
// in-memory refine, pending overlays, and the Dexie-free first screenful through ../tickets.ts),
// so the desk's first route can paint before Dexie loads. The Dexie part (the full view, kept
// live) is ./queue.ts, which re-exports this module.
//   Stage 1 (`loadQueue`, ./queue.ts): every local ticket (../tickets.ts), cut by the view's cheap
//      `prefilter`, then checked per row (`matcher`); each hit is projected to a small `QueueRow`.
//   Stage 2 (`refine`, here; synchronous, per debounced keystroke): text, tags and type over those
//      rows, order-preserving, so it stays a linear pass.
import type { TicketRow } from '../db';
import { peekScreen, peekTickets, putScreen } from '../ticket-screens';
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
	// Numeric keys in typed arrays, then a stable LSD radix sort of the row positions (16-bit digits;
	// a pass per digit the keys actually use, the second key first): linear, no comparator calls.
	// A comparator sort over objects and ISO strings took ~40 ms for 35k rows on a busy machine, an
	// index sort with a JS comparator 10-30 ms. Ties keep the input order, which is newest first,
	// as `comparator` breaks them.
	const n = rows.length;
	const k1 = new Float64Array(n);
	const k2 = sort === 'priority' || sort === 'due' ? new Float64Array(n) : null;
	for (let i = 0; i < n; i++) {
		const r = rows[i];
		switch (sort) {
			case 'priority':
				k1[i] = -priorityRank(r.priority);
				k2![i] = -r.updatedMs;
				break;
			case 'due':
				k1[i] = r.due;
				k2![i] = -r.updatedMs;
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
	// The second key (newest first) is the input order already when the rows come newest first: then
	// only the first key needs passes.
	let k2Redundant = k2 !== null;
	for (let i = 1; k2Redundant && i < n; i++) if (k2![i] < k2![i - 1]) k2Redundant = false;
	const order = radixOrder(n, k2 && !k2Redundant ? [k2, k1] : [k1]);
	const out = new Array<QueueRow>(n);
	for (let j = 0; j < n; j++) out[j] = rows[order[j]];
	return out;
}

/**
 * Positions 0..n-1 ordered by the keys (the last one most significant), ties in position order.
 * Keys are integers (ms epochs, ranks, ticket numbers) or ±Infinity; NaN sorts last. Each key is
 * shifted to 0..range and split into 32-bit halves, then sorted 16 bits per pass (as many passes
 * as its range needs: one for a priority or a ticket number, two for dates within 136 years… of ms,
 * three beyond).
 */
function radixOrder(n: number, keys: Float64Array[]): Uint32Array {
	let idx = new Uint32Array(n);
	let tmp = new Uint32Array(n);
	for (let i = 0; i < n; i++) idx[i] = i;
	const count = new Uint32Array(65537);
	const lo = new Uint32Array(n);
	const hi = new Uint32Array(n);
	const digit = new Uint16Array(n);
	for (const key of keys) {
		let min = Infinity;
		let max = -Infinity;
		for (let i = 0; i < n; i++) {
			const v = key[i];
			if (v > -Infinity && v < min) min = v;
			if (v < Infinity && v > max) max = v;
		}
		if (!(min <= max)) continue; // no finite key: nothing to order by
		const top = max - min + 2; // Infinity (and NaN) just after the largest finite key, -Infinity at 0
		for (let i = 0; i < n; i++) {
			const v = key[i];
			const x = v === -Infinity ? 0 : v < Infinity ? v - min + 1 : top;
			lo[i] = x % 4294967296;
			hi[i] = Math.floor(x / 4294967296);
		}
		const passes = top < 65536 ? 1 : top < 4294967296 ? 2 : top < 281474976710656 ? 3 : 4;
		for (let p = 0; p < passes; p++) {
			const src = p < 2 ? lo : hi;
			const shift = p % 2 ? 16 : 0;
			count.fill(0);
			for (let i = 0; i < n; i++) {
				const d = (src[i] >>> shift) & 0xffff;
				digit[i] = d;
				count[d + 1]++;
			}
			for (let d = 1; d <= 65536; d++) count[d] += count[d - 1];
			for (let j = 0; j < n; j++) {
				const i = idx[j];
				tmp[count[digit[i]]++] = i;
			}
			const t = idx;
			idx = tmp;
			tmp = t;
		}
	}
	return idx;
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


/** Rows the desk shows first. */
export const FIRST_SCREEN = 60;

/** Where a view's first screenful is saved (../tickets.ts `saveScreen`): per user, view, filters, sort. */
export function deskScreenKey(q: QueueQuery): string {
	return `desk:${JSON.stringify([q.userId, q.view, q.filters, q.sort])}`;
}

/** A view's first screenful: its `limit` most recently updated rows, in `sort` order. */
export function firstScreen(rows: readonly QueueRow[], sort: SortKey, limit = FIRST_SCREEN): QueueRow[] {
	const newest = [...rows].sort((a, b) => (a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0)).slice(0, limit);
	return sortRows(newest, sort, 'updated_desc');
}

/** The query the desk opens with: all open tickets, newest first, no filters. */
export const defaultDeskQuery = (userId: string): QueueQuery => ({ view: 'open', sort: 'updated_desc', userId, filters: emptyFilters() });

/**
 * A quick first screenful (sorted by `q.sort`) while the full view loads, read without Dexie: the
 * one the view last showed (saved by `watchQueue`), else every page read (../tickets.ts
 * `peekTickets`: the tickets are stored packed, not indexed) and the newest `limit` matching rows
 * kept (and saved). Null when there is no local database yet.
 */
export async function peekFirstPage(q: QueueQuery, limit = FIRST_SCREEN, dbName?: string): Promise<QueueRow[] | null> {
	const screen = await peekScreen<QueueRow>(deskScreenKey(q), dbName);
	if (screen) return screen.slice(0, limit);
	const first = await readFirstPage(q, limit, dbName);
	if (first) await putScreen(deskScreenKey(q), first, dbName);
	return first;
}

/**
 * Saves the desk's default first screenful unless one is saved already. The sync host calls this
 * once the tickets are synced, so the first visit after an initial sync paints one saved record
 * instead of reading every page. An empty result is not saved: the tickets may still be arriving.
 * Resolves to whether it saved a screen.
 */
export async function warmDeskScreen(userId: string, dbName?: string): Promise<boolean> {
	const q = defaultDeskQuery(userId);
	if (await peekScreen<QueueRow>(deskScreenKey(q), dbName)) return false;
	const first = await readFirstPage(q, FIRST_SCREEN, dbName);
	return Boolean(first?.length) && (await putScreen(deskScreenKey(q), first!, dbName));
}

/** Every page read: the newest `limit` rows of the view, in `q.sort` order; null without a local database. */
async function readFirstPage(q: QueueQuery, limit: number, dbName?: string): Promise<QueueRow[] | null> {
	const now = q.now ?? Date.now();
	const test = matcher({ ...q, now });
	const statuses: ReadonlySet<string> | null = q.filters.status.length ? new Set(q.filters.status) : q.view === 'open' || q.view === 'unassigned' || q.view === 'breaching' ? new Set(OPEN_STATUSES) : null;
	const out: QueueRow[] = [];
	const keep = (t: TicketRow) => {
		if (t.deleted_at || (statuses && !statuses.has(t.status as string))) return false;
		const r = project(t, now);
		if (!test(r)) return false;
		out.push(r);
		return true;
	};
	const got = await peekTickets(keep, { dbName });
	return got ? firstScreen(out, q.sort, limit) : null;
}
