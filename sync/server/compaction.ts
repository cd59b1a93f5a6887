// Change-log compaction (the sync_compaction migration): the rule that folds one row's history into one entry.
//
// The entries of a row (same table and key, in seq order — writes to one row are serialised by its
// lock, so seq order is the row's order) become their last entry, at that entry's position:
//   - the row exists at the end  → 'insert' with the final row;
//   - the row was deleted at the end → 'delete' with the last old row.
// The merged entry is correct for every client offset: a client before the first entry, or between
// any two of them, holds some earlier image of the row (or none), and the engine serves a compacted
// entry as "the whole final row if it is in the shape, else delete it" (engine.ts `convert`), which
// reaches the final state from any of those. A client at or after the last entry never sees it.
//
// Left alone (returns null): a run containing a primary-key change (an update whose old values
// include a key column), because the row's history then spans two keys; and runs of one entry.
import type { Row } from '../protocol/filter';
import type { LogOp } from './tailer';

export interface CompactableEntry {
  seq: bigint;
  txid: bigint;
  op: LogOp;
  row: Row | null;
  old: Row | null;
  merged: bigint[] | null;
}

export interface MergedEntry {
  /** The entry that stays (the run's last), rewritten. */
  keep: { seq: bigint; op: 'insert' | 'delete'; row: Row | null; old: Row | null; merged: bigint[] };
  /** The entries folded into it. */
  remove: bigint[];
}

export function mergeRun(entries: CompactableEntry[], pk: readonly string[]): MergedEntry | null {
  if (entries.length < 2) return null;
  const run = [...entries].sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
  for (const e of run) {
    if (e.op === 'truncate') return null;
    if (e.op === 'update' && e.old && pk.some((c) => c in e.old!)) return null;
  }
  const last = run[run.length - 1];
  const txids = new Set<bigint>();
  for (const e of run) {
    for (const t of e.merged ?? []) txids.add(t);
    txids.add(e.txid);
  }
  txids.delete(last.txid);
  const merged = [...txids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const remove = run.slice(0, -1).map((e) => e.seq);
  if (last.op === 'delete') return { keep: { seq: last.seq, op: 'delete', row: null, old: last.old, merged }, remove };
  if (!last.row) return null;
  return { keep: { seq: last.seq, op: 'insert', row: last.row, old: null, merged }, remove };
}
