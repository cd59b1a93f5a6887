// Views an agent saves for themselves: kept on this device in Dexie `meta` under a per-user key
// (never synced, never cleared by sign-out: they hold no ticket data).
import type { OutpostDb } from '../db';
import { BUILTIN_VIEWS, SORTS, emptyFilters, type BuiltinView, type QueueFilters, type SortKey } from './queue-core';

export interface SavedView {
	id: string;
	name: string;
	base: BuiltinView;
	filters: QueueFilters;
	sort: SortKey;
}

const key = (userId: string) => `desk.views.${userId}`;

function clean(v: unknown): SavedView | null {
	if (!v || typeof v !== 'object') return null;
	const o = v as Record<string, unknown>;
	if (typeof o.id !== 'string' || typeof o.name !== 'string' || !o.name.trim()) return null;
	const base = BUILTIN_VIEWS.includes(o.base as BuiltinView) ? (o.base as BuiltinView) : 'open';
	const sort = SORTS.includes(o.sort as SortKey) ? (o.sort as SortKey) : 'updated_desc';
	const f = (o.filters ?? {}) as Record<string, unknown>;
	const list = (x: unknown) => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
	const filters: QueueFilters = { ...emptyFilters(), status: list(f.status), priority: list(f.priority), assignee: list(f.assignee), team: list(f.team), type: list(f.type), tags: list(f.tags), text: typeof f.text === 'string' ? f.text : '' };
	return { id: o.id, name: o.name.trim().slice(0, 80), base, filters, sort };
}

export async function loadViews(db: OutpostDb, userId: string): Promise<SavedView[]> {
	const row = await db.meta.get(key(userId));
	return Array.isArray(row?.value) ? row.value.map(clean).filter((v): v is SavedView => v !== null) : [];
}

export async function saveViews(db: OutpostDb, userId: string, views: SavedView[]): Promise<void> {
	await db.meta.put({ key: key(userId), value: JSON.parse(JSON.stringify(views)) as SavedView[] });
}
