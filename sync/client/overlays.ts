// Read-time merge of synced rows with pending optimistic overlays (ARCHITECTURE §5 step 1).
// Synced tables are written only by the replicator; what the user did but the server has not yet
// confirmed lives in `overlays` and is laid over the rows when the UI reads them. The synced row is
// therefore never lost: a rejected mutation just removes its overlay.
import type { OverlayRecord } from './schema';

/** Marker fields on rows returned by `withOverlays` (`$` keeps them apart from column names). */
export interface PendingMarker {
	/** true when at least one unconfirmed change applies to the row. */
	$pending?: boolean;
	/** The fields whose shown value is not yet confirmed by the server. */
	$pendingFields?: string[];
	/** The row is shown but a pending mutation deletes it (UIs may strike it through or hide it). */
	$pendingDelete?: boolean;
	/** Ids of the mutations that touch the row. */
	$mutationIds?: string[];
}

export type WithPending<T> = T & PendingMarker;

export interface WithOverlaysOptions<T> {
	/** Only overlays for this table are used (when `overlays` holds several tables). */
	table?: string;
	/** Primary key column (default `id`). */
	key?: keyof T & string;
	/**
	 * Re-applied after merging, so a row whose pending values no longer match the query (e.g. status
	 * changed away from the list's filter) leaves it, and an optimistic insert joins it only if it matches.
	 */
	filter?: (row: WithPending<T>) => boolean;
	/** Keep rows a pending mutation deletes, marked `$pendingDelete` (default: drop them). */
	keepDeleted?: boolean;
}

const byOrder = (a: OverlayRecord, b: OverlayRecord) => (a.oid ?? 0) - (b.oid ?? 0) || a.createdAt - b.createdAt;

/** Applies a row's overlays (in the order the mutations were made) to a synced row (or undefined). */
export function applyOverlays<T extends Record<string, unknown>>(row: T | undefined, overlays: OverlayRecord[]): WithPending<T> | undefined {
	if (!overlays.length) return row;
	let current: Record<string, unknown> | undefined = row ? { ...row } : undefined;
	const fields = new Set<string>();
	const mutationIds: string[] = [];
	let deleted = false;
	for (const o of [...overlays].sort(byOrder)) {
		if (!mutationIds.includes(o.mutationId)) mutationIds.push(o.mutationId);
		if (o.op === 'delete') {
			deleted = true;
			continue;
		}
		if (o.op === 'insert') {
			deleted = false;
			current = { ...(current ?? {}), ...o.patch };
			for (const f of Object.keys(o.patch)) fields.add(f);
			continue;
		}
		// update: a patch on a row we do not have (not synced yet, or filtered out) is not a row
		if (!current) continue;
		current = { ...current, ...o.patch };
		for (const f of Object.keys(o.patch)) fields.add(f);
	}
	if (!current) return undefined;
	const out = current as WithPending<T>;
	out.$pending = true;
	out.$pendingFields = [...fields];
	out.$mutationIds = mutationIds;
	if (deleted) out.$pendingDelete = true;
	return out;
}

/**
 * Lays pending overlays over synced rows: updates are merged field by field, optimistic inserts are
 * appended (after the synced rows; sort afterwards if order matters), deletes remove the row (or mark
 * it with `keepDeleted`). Rows touched by an overlay carry `$pending` and `$pendingFields`.
 */
export function withOverlays<T extends Record<string, unknown>>(rows: readonly T[], overlays: readonly OverlayRecord[], opts: WithOverlaysOptions<T> = {}): WithPending<T>[] {
	const keyCol = opts.key ?? 'id';
	const relevant = opts.table ? overlays.filter((o) => o.table === opts.table) : overlays;
	if (!relevant.length) return opts.filter ? rows.filter((r) => opts.filter!(r)) : [...rows];
	const byKey = new Map<string, OverlayRecord[]>();
	for (const o of relevant) {
		const list = byKey.get(o.key);
		if (list) list.push(o);
		else byKey.set(o.key, [o]);
	}
	const out: WithPending<T>[] = [];
	const seen = new Set<string>();
	const push = (r: WithPending<T> | undefined) => {
		if (!r) return;
		if (r.$pendingDelete && !opts.keepDeleted) return;
		if (opts.filter && !opts.filter(r)) return;
		out.push(r);
	};
	for (const row of rows) {
		const key = String(row[keyCol]);
		seen.add(key);
		const list = byKey.get(key);
		push(list ? applyOverlays(row, list) : row);
	}
	for (const [key, list] of byKey) {
		if (seen.has(key) || !list.some((o) => o.op === 'insert')) continue;
		push(applyOverlays<T>(undefined, list));
	}
	return out;
}
