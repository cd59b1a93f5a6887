// Txid matching (ARCHITECTURE §5 step 4, electric-shape-api.md §2.7): an applied mutation's overlays
// stay until a shape stream delivers a change carrying the mutation's txid (the server returns
// `xid8 mod 2^32`, the same 32-bit value Electric puts in `headers.txids`).
//
// Rules, per table (a mutation can touch several shapes; each overlay waits for its own shape):
// 1. A change with txid X in shape S drops the overlays of X's mutation on S. (`confirmTxids`)
// 2. A stream can beat the mutation response, so delivered txids are remembered for a while
//    (`seenTxids`) and checked when the result arrives. (`recordApplied`)
// 3. After a re-sync (409) the write may be folded into the new snapshot, which carries no txids:
//    a pending txid visible in the `snapshot-end` snapshot is confirmed for that shape. (`confirmBySnapshot`)
// 4. A write may produce no change in some shape (row filtered out, untouched columns): once the txid
//    was seen in any shape and the remaining shapes have been live for `settleMs` after that, or it was
//    never seen while every affected shape stayed live for `timeoutMs`, the overlays are dropped —
//    the streams have caught up past the commit. (`sweepPending`)
// Tables that no stream replicates (a role without that shape) never confirm: dropped on apply.
import type { OverlayRecord, PendingTxidRecord, SyncDatabase } from './schema';

/** How long delivered txids are remembered (rule 2). */
export const SEEN_TXID_TTL_MS = 10 * 60_000;

const TWO_32 = 1n << 32n;

/** Resolves a 32-bit txid to the xid8 nearest to `reference` (an xid8 from a snapshot). */
export function widenTxid(txid: number, reference: bigint): bigint {
	const epoch = reference >> 32n;
	let candidate = (epoch << 32n) | BigInt(txid >>> 0);
	if (candidate - reference > TWO_32 / 2n) candidate -= TWO_32;
	else if (reference - candidate > TWO_32 / 2n) candidate += TWO_32;
	return candidate;
}

export interface PgSnapshot {
	xmin: string | number | bigint;
	xmax: string | number | bigint;
	xip_list: Array<string | number | bigint>;
}

/** Was the (32-bit) txid committed before this snapshot (xid8 bounds) was taken? */
export function txidVisibleInSnapshot(txid: number, snap: PgSnapshot): boolean {
	const xmin = BigInt(snap.xmin);
	const xmax = BigInt(snap.xmax);
	const xid = widenTxid(txid, xmax);
	if (xid < xmin) return true;
	return xid < xmax && !snap.xip_list.some((x) => BigInt(x) === xid);
}

async function dropOverlays(db: SyncDatabase, mutationIds: string[], table: string): Promise<number> {
	if (!mutationIds.length) return 0;
	return db.overlays
		.where('mutationId')
		.anyOf(mutationIds)
		.filter((o) => o.table === table)
		.delete();
}

async function settle(db: SyncDatabase, p: PendingTxidRecord, table: string, now: number) {
	await dropOverlays(db, [p.mutationId], table);
	const tables = p.tables.filter((t) => t !== table);
	if (!tables.length) await db.pendingTxids.delete(p.mutationId);
	else await db.pendingTxids.put({ ...p, tables, seenAt: p.seenAt ?? now });
}

/**
 * Rule 1 + remembering for rule 2. Call inside the batch's transaction (scope: overlays,
 * pendingTxids, seenTxids).
 */
export async function confirmTxids(db: SyncDatabase, shape: string, txids: Iterable<number>, now = Date.now()): Promise<void> {
	const list = [...new Set(txids)];
	if (!list.length) return;
	await db.seenTxids.bulkPut(list.map((txid) => ({ txid, shape, seenAt: now })));
	const pending = await db.pendingTxids.where('txid').anyOf(list).toArray();
	for (const p of pending) {
		if (p.tables.includes(shape)) await settle(db, p, shape, now);
		else if (p.seenAt === undefined) await db.pendingTxids.put({ ...p, seenAt: now });
	}
}

/** Rule 3. Call inside the batch's transaction when it carries a `snapshot-end`. */
export async function confirmBySnapshot(db: SyncDatabase, shape: string, snap: PgSnapshot, now = Date.now()): Promise<void> {
	const pending = await db.pendingTxids.toArray();
	for (const p of pending) {
		if (p.tables.includes(shape) && txidVisibleInSnapshot(p.txid, snap)) await settle(db, p, shape, now);
	}
}

/**
 * The server applied a mutation with this txid (rule 2 and the unsynced-table rule). Call inside a
 * transaction whose scope includes overlays, pendingTxids and seenTxids. `syncedShapes`: shapes
 * with a running stream.
 */
export async function recordApplied(db: SyncDatabase, mutationId: string, txid: number | undefined, syncedShapes: ReadonlySet<string>, now = Date.now()): Promise<void> {
	const overlays = await db.overlays.where('mutationId').equals(mutationId).toArray();
	if (txid === undefined || txid === null) {
		// nothing committed (a no-op), so nothing will ever arrive: the synced row already is the truth
		await db.overlays.bulkDelete(overlays.map((o) => o.oid!));
		return;
	}
	const seen = await db.seenTxids.where('[txid+shape]').between([txid, ''], [txid, '\uffff']).toArray();
	const seenShapes = new Set(seen.map((s) => s.shape));
	const drop: OverlayRecord[] = [];
	const keep: OverlayRecord[] = [];
	for (const o of overlays) (seenShapes.has(o.table) || !syncedShapes.has(o.table) ? drop : keep).push(o);
	if (drop.length) await db.overlays.bulkDelete(drop.map((o) => o.oid!));
	if (!keep.length) return;
	await db.overlays.bulkPut(keep.map((o) => ({ ...o, txid })));
	await db.pendingTxids.put({
		mutationId,
		txid,
		tables: [...new Set(keep.map((o) => o.table))],
		appliedAt: now,
		seenAt: seen.length ? Math.min(...seen.map((s) => s.seenAt)) : undefined
	});
}

export interface SweepOptions {
	now?: number;
	/** ms since when a shape has been continuously live (undefined: not live now). */
	liveSince: (shape: string) => number | undefined;
	/** Shapes with a running stream. */
	syncedShapes: ReadonlySet<string>;
	/** Rule 4a: after the txid was seen somewhere (default 3 s). */
	settleMs?: number;
	/** Rule 4b: never seen (default 60 s). */
	timeoutMs?: number;
}

/** Rule 4 (and shapes that stopped syncing). Returns how many pending mutations were settled. */
export async function sweepPending(db: SyncDatabase, opts: SweepOptions): Promise<number> {
	const now = opts.now ?? Date.now();
	const settleMs = opts.settleMs ?? 3_000;
	const timeoutMs = opts.timeoutMs ?? 60_000;
	let settled = 0;
	await db.transaction('rw', [db.overlays, db.pendingTxids, db.seenTxids], async () => {
		await db.seenTxids.where('seenAt').below(now - SEEN_TXID_TTL_MS).delete();
		for (const p of await db.pendingTxids.toArray()) {
			const done: string[] = [];
			for (const table of p.tables) {
				if (!opts.syncedShapes.has(table)) {
					done.push(table);
					continue;
				}
				const since = opts.liveSince(table);
				if (since === undefined) continue;
				if (p.seenAt !== undefined && now - Math.max(p.seenAt, since) >= settleMs) done.push(table);
				else if (p.seenAt === undefined && now - Math.max(p.appliedAt, since) >= timeoutMs) done.push(table);
			}
			if (!done.length) continue;
			settled++;
			for (const t of done) await dropOverlays(db, [p.mutationId], t);
			const tables = p.tables.filter((t) => !done.includes(t));
			if (tables.length) await db.pendingTxids.put({ ...p, tables });
			else await db.pendingTxids.delete(p.mutationId);
		}
	});
	return settled;
}
