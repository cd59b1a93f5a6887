// Packed storage for a synced shape (today: tickets). Chromium's IndexedDB charges a fixed ~75 µs
// of CPU per record written plus ~8 µs per index entry (tests/bench/idb-write-ceiling.mjs), so one
// record per row caps an initial sync at ~5k rows/s whatever else is done. Here rows are stored
// PAGE_SIZE to a record: `{ pid, ids, rows }`, `ids[i]` being `rows[i].id`, with a multiEntry
// `*ids` index that finds a row's page.
//
// Writes (the replicator, inside its batch transaction, with the stream position):
// - During a fresh initial snapshot (the shape started from offset -1 on an empty store, not yet
//   up to date) inserted rows are new by the protocol (a snapshot lists each row once), so they are
//   packed into new pages without looking them up.
// - Otherwise every touched key is looked up through `*ids`; the page holding it is rewritten
//   (row merged, replaced or removed; an emptied page is deleted) and rows not held yet are
//   appended to the last page while it has room, then to new pages. A live change therefore costs
//   one page rewrite (~100 rows re-cloned), not a per-row record.
//
// Reads go through `packedGet` / `packedAll` here (Dexie) or `peekPackedRows` (src/lib/client/
// idb-peek.ts, raw IndexedDB); nothing else reads a page store.
import type { Dexie, Table } from 'dexie';
import { storeOf, type Row } from './schema';

/** Rows per record: 100 measured 11–23 µs/row written vs 180–270 one per record (README). */
export const PAGE_SIZE = 100;

export interface PageRecord {
	pid?: number;
	/** `rows[i].id`, indexed multiEntry (`*ids`). */
	ids: string[];
	rows: Row[];
}

export type PageTable = Table<PageRecord, number>;

export interface PackedOp {
	key: string;
	op: 'insert' | 'update' | 'delete';
	value: Record<string, unknown>;
}

/**
 * Applies one batch of changes to a page store. Call inside a `rw` transaction on `pages` (the
 * replicator's batch transaction); resolves when every write was issued and done.
 * `fresh`: the batch belongs to the initial snapshot of an empty store (inserts need no lookup).
 */
export async function writePacked(pages: PageTable, ops: readonly PackedOp[], fresh: boolean): Promise<void> {
	if (!ops.length) return;
	// Keys whose stored row (if any) matters: all of them, or in a fresh snapshot those not
	// inserted earlier in the batch (an update or delete of a row of an earlier batch).
	const inserted = new Set<string>();
	const lookup = new Set<string>();
	for (const { key, op } of ops) {
		if (op === 'insert') inserted.add(key);
		if (!fresh || (op !== 'insert' && !inserted.has(key))) lookup.add(key);
	}
	// id → the page holding it (pages fetched once each, changed in place, written back once).
	const where = new Map<string, PageRecord>();
	if (lookup.size) {
		const found = await pages.where('ids').anyOf([...lookup]).distinct().toArray();
		for (const p of found) for (const id of p.ids) if (lookup.has(id)) where.set(id, p);
	}
	// The batch folded per key, in order, over the stored row.
	const rows = new Map<string, Row | null>();
	for (const { key, op, value } of ops) {
		if (op === 'delete') rows.set(key, null);
		else if (op === 'insert') rows.set(key, (value.id === key ? value : { ...value, id: key }) as Row);
		else {
			let prev = rows.get(key);
			if (prev === undefined) {
				const p = where.get(key);
				prev = p ? p.rows[p.ids.indexOf(key)] : null;
			}
			// An update for a row we do not hold (should not happen) is stored as given.
			rows.set(key, { ...(prev ?? {}), ...value, id: key } as Row);
		}
	}
	const changed = new Set<PageRecord>();
	const fresh_rows: Row[] = [];
	for (const [key, row] of rows) {
		const p = where.get(key);
		if (p) {
			const i = p.ids.indexOf(key);
			if (row) p.rows[i] = row;
			else {
				p.ids.splice(i, 1);
				p.rows.splice(i, 1);
			}
			changed.add(p);
		} else if (row) fresh_rows.push(row);
	}
	if (fresh_rows.length && !fresh) {
		// Fill the newest page first, so live inserts do not leave a trail of one-row pages.
		const last = await pages.orderBy(':id').last();
		if (last && last.ids.length < PAGE_SIZE) {
			const held = [...changed].find((p) => p.pid === last.pid) ?? last;
			const room = PAGE_SIZE - held.ids.length;
			for (const r of fresh_rows.splice(0, room)) {
				held.ids.push(r.id);
				held.rows.push(r);
			}
			changed.add(held);
		}
	}
	const puts: PageRecord[] = [];
	const dels: number[] = [];
	for (const p of changed) {
		if (p.ids.length) puts.push(p);
		else dels.push(p.pid!);
	}
	for (let i = 0; i < fresh_rows.length; i += PAGE_SIZE) {
		const chunk = fresh_rows.slice(i, i + PAGE_SIZE);
		puts.push({ ids: chunk.map((r) => r.id), rows: chunk });
	}
	const writes: Promise<unknown>[] = [];
	if (puts.length) writes.push(pages.bulkPut(puts));
	if (dels.length) writes.push(pages.bulkDelete(dels));
	await Promise.all(writes);
}

/** The stored rows for `ids`, in order (undefined where not held). */
export async function packedGet(pages: PageTable, ids: readonly string[]): Promise<Array<Row | undefined>> {
	if (!ids.length) return [];
	const want = new Set(ids);
	const found = new Map<string, Row>();
	const got = await pages.where('ids').anyOf([...want]).distinct().toArray();
	for (const p of got) p.ids.forEach((id, i) => want.has(id) && found.set(id, p.rows[i]));
	return ids.map((id) => found.get(id));
}

/** Every stored row (optionally filtered), page by page in page order. */
export async function packedAll(pages: PageTable, filter?: (row: Row) => boolean): Promise<Row[]> {
	const out: Row[] = [];
	const all = await pages.toArray();
	for (const p of all) for (const r of p.rows) if (!filter || filter(r)) out.push(r);
	return out;
}

/** How many rows are stored (the `*ids` index holds one entry per row). */
export function packedCount(pages: PageTable): Promise<number> {
	return pages.where('ids').above('').count();
}

/** Every stored row of a shape, packed or not (tests, diagnostics). */
export function shapeRows(db: Dexie, shape: string): Promise<Row[]> {
	const store = storeOf(shape);
	return store === shape ? (db.table(shape).toArray() as Promise<Row[]>) : packedAll(db.table(store) as PageTable);
}
