// The technician's order of work: what breaches first comes first. Tickets with an SLA deadline
// (breached, then soonest due) lead; then by priority; then the oldest update. Pure (unit tested).
import { slaState } from '../desk/sla';

const PRIORITY_RANK: Record<string, number> = { urgent: 0, critical: 0, high: 1, medium: 2, normal: 2, low: 3 };
const DONE = new Set(['resolved', 'closed', 'cancelled']);

export interface UrgencyRow {
	id: string;
	status?: unknown;
	priority?: unknown;
	updated_at?: unknown;
	[k: string]: unknown;
}

/** A sort key: lower is more urgent. */
export function urgencyKey(t: UrgencyRow, now = Date.now()): [number, number, number, string] {
	const sla = slaState(t, now);
	const active = sla.kind === 'breached' || sla.kind === 'soon' || sla.kind === 'ok';
	const due = active && sla.due !== undefined ? sla.due : Number.POSITIVE_INFINITY;
	const done = DONE.has(String(t.status)) ? 1 : 0;
	return [done, due, PRIORITY_RANK[String(t.priority)] ?? 4, String(t.updated_at ?? '')];
}

export function byUrgency<T extends UrgencyRow>(rows: readonly T[], now = Date.now()): T[] {
	const keyed = rows.map((r) => ({ r, k: urgencyKey(r, now) }));
	keyed.sort((a, b) => a.k[0] - b.k[0] || (a.k[1] === b.k[1] ? 0 : a.k[1] < b.k[1] ? -1 : 1) || a.k[2] - b.k[2] || a.k[3].localeCompare(b.k[3]));
	return keyed.map((x) => x.r);
}

/** The site an asset is at (the `site` column, else its `location`), or '' when unknown. */
export function assetSite(a: Record<string, unknown>): string {
	return String(a.site ?? '').trim() || String(a.location ?? '').trim();
}
