// Positions in the engine's log. A log position is `<w>_<s>`: the entry with seq s of the tail
// window that ended at xid w (windows are disjoint xid ranges, read in order, so positions
// increase in read order). Snapshot chunks use `0_<k>`, below every log position, as Electric does.
export interface Pos {
  w: bigint;
  s: bigint;
}

/** The position before any entry was ever read (log positions all have w >= 3: real xids). */
export const ORIGIN: Pos = { w: 1n, s: 0n };

export const fmt = (p: Pos): string => `${p.w}_${p.s}`;

export function parseOffset(text: string): Pos | null {
  const m = /^(\d{1,20})_(\d{1,20})$/.exec(text);
  if (!m) return null;
  return { w: BigInt(m[1]), s: BigInt(m[2]) };
}

export function cmp(a: Pos, b: Pos): number {
  if (a.w !== b.w) return a.w < b.w ? -1 : 1;
  if (a.s !== b.s) return a.s < b.s ? -1 : 1;
  return 0;
}

export const isChunk = (p: Pos) => p.w === 0n;

/** xid8 snapshot as returned by pg_current_snapshot()::text: `xmin:xmax:xip,xip`. */
export interface PgSnapshot {
  xmin: bigint;
  xmax: bigint;
  xip: Set<bigint>;
  text: string;
}

export function parseSnapshot(text: string): PgSnapshot {
  const [xmin, xmax, xip] = text.split(':');
  return {
    xmin: BigInt(xmin),
    xmax: BigInt(xmax),
    xip: new Set((xip ?? '').split(',').filter(Boolean).map((x) => BigInt(x))),
    text
  };
}

/** Was transaction `xid` already committed when the snapshot was taken (if it committed at all)? */
export function visibleIn(xid: bigint, snap: PgSnapshot): boolean {
  if (xid < snap.xmin) return true;
  if (xid >= snap.xmax) return false;
  return !snap.xip.has(xid);
}

/**
 * Is every transaction visible in snapshot `a` visible in `b` too (`b` saw at least what `a` saw)?
 * False also when that cannot be told from the two snapshots: the caller then reads.
 */
export function snapshotWithin(a: PgSnapshot, b: PgSnapshot): boolean {
  if (a.xmax > b.xmax) return false;
  for (const x of b.xip) if (x < a.xmax && !a.xip.has(x)) return false;
  return true;
}
