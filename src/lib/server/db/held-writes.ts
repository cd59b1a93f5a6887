// Writes a batch transaction holds back and sends together just before it commits: a group commit
// of ingested emails writes, per message, rows nobody reads back inside the batch (a message's
// final status, its acknowledgement), so N messages cost one statement per kind instead of N.
// A writer asks hold(trx, kind, row, flush): false when trx is not holding (write now, as
// always); otherwise the row waits for flushHeld(trx), which the batch runs before COMMIT. A
// reader that would need a held row calls flushHeld(trx, kind) first, so nothing reads stale.
import type { Kysely } from 'kysely';
import type { DB } from './schema';

type Kind = { rows: unknown[]; flush: (trx: Kysely<DB>, rows: unknown[]) => Promise<unknown> };
const holding = new WeakMap<object, Map<string, Kind>>();

/** From now on, hold() on this transaction holds rows until flushHeld(trx). */
export function holdWrites(trx: Kysely<DB>) {
  holding.set(trx, new Map());
}

/** Holds `row` for a later `flush(trx, rows)` of its kind; false when trx holds nothing (the caller writes now). */
export function hold<R>(trx: Kysely<DB>, kind: string, row: R, flush: (trx: Kysely<DB>, rows: R[]) => Promise<unknown>): boolean {
  const kinds = holding.get(trx);
  if (!kinds) return false;
  let k = kinds.get(kind);
  if (!k) kinds.set(kind, (k = { rows: [], flush: flush as Kind['flush'] }));
  k.rows.push(row);
  return true;
}

/** Writes the held rows (of one kind, or all in the order their kinds were first held). Holding goes on. */
export async function flushHeld(trx: Kysely<DB>, kind?: string) {
  const kinds = holding.get(trx);
  if (!kinds) return;
  for (const [name, k] of kinds) {
    if ((kind && name !== kind) || !k.rows.length) continue;
    const rows = k.rows;
    k.rows = [];
    await k.flush(trx, rows);
  }
}

/** Takes the held rows of one kind out (the caller writes them itself, e.g. together with another kind's). */
export function takeHeld<R>(trx: Kysely<DB>, kind: string): R[] {
  const k = holding.get(trx)?.get(kind);
  if (!k) return [];
  const rows = k.rows as R[];
  k.rows = [];
  return rows;
}
