// Shared bits for the sync client tests: a fresh real Dexie database on fake-indexeddb per test,
// and polling until a condition holds.
import 'fake-indexeddb/auto';
import { OutpostDb } from '../../../src/lib/client/db';
import { writePacked } from '../packed';

let n = 0;
export function freshDb(): OutpostDb {
	return new OutpostDb(`outpost-test-${process.pid}-${Date.now()}-${++n}-${Math.random().toString(36).slice(2)}`);
}

export async function until<T>(fn: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = {}): Promise<NonNullable<T>> {
	const end = Date.now() + timeoutMs;
	let last: unknown;
	for (;;) {
		try {
			const v = await fn();
			if (v) return v as NonNullable<T>;
			last = v;
		} catch (e) {
			last = e;
		}
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
		await new Promise((r) => setTimeout(r, intervalMs));
	}
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fast retries for tests. */
export const FAST = { initialDelay: 10, maxDelay: 100, multiplier: 2 };

/**
 * Stores tickets as the replicator would (packed pages, sync/client/packed.ts): each row inserted
 * or, when held, replaced. For tests that need local tickets without a stream.
 */
export async function putTickets(db: OutpostDb, rows: Array<Record<string, unknown> & { id: string }>): Promise<void> {
	await db.transaction('rw', db.ticketPages, () => writePacked(db.ticketPages, rows.map((value) => ({ key: value.id, op: 'insert' as const, value })), false));
}

/** Merges `patch` into a stored ticket, as a replicated update would. */
export async function patchTicket(db: OutpostDb, id: string, patch: Record<string, unknown>): Promise<void> {
	await db.transaction('rw', db.ticketPages, () => writePacked(db.ticketPages, [{ key: id, op: 'update', value: patch }], false));
}
