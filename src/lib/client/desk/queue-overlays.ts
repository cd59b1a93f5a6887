// Pending overlays laid over the desk's queue rows (an edit not yet confirmed by the server). Only
// needed once overlays exist, which come from the live side (./live.ts): not in the first route.
import type { TicketRow } from '../db';
import type { OverlayRecord } from '$sync/client/schema';
import { comparator, matcher, project, type QueueQuery, type QueueRow, type SortKey } from './queue-core';

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

/** Re-sorts after overlays only when a pending change touched the sort key. */
export function resortIfNeeded(rows: QueueRow[], sort: SortKey): QueueRow[] {
	if (!rows.some((r) => r.pending)) return rows;
	return [...rows].sort(comparator(sort));
}
