// The tickets a list shows before Dexie has loaded: the first screenful it saved last time, or a
// peek through the page store, both with raw IndexedDB (./idb-peek.ts). Bundled with the first
// screens (/tickets, /tech, /portal), so it imports nothing else: the rest of the ticket reads are
// in ./tickets.ts.
import { PACKED_SHAPES } from '$sync/client/schema';
import { peekPacked, peekRecord, putRecord } from './idb-peek';
import type { TicketRow } from './db';

/** The IndexedDB store that holds the tickets (pages of rows). */
export const TICKETS_STORE = PACKED_SHAPES.tickets!;

/**
 * Without Dexie: the first screenful a list last saved under `key` (`saveScreen`), or null. Reading
 * every page for a first screenful costs about as much as the full list (the rows are not indexed
 * any more), so a list shows this one record first, then its live rows.
 */
export async function peekScreen<T>(key: string, dbName?: string): Promise<T[] | null> {
	const rec = await peekRecord<{ rows: T[] }>(SCREENS_STORE, key, dbName);
	return rec?.rows ?? null;
}

const SCREENS_STORE = 'ticketScreens';

/** Without Dexie: saves a first screenful computed by a peek (the live list saves its own later). */
export function putScreen(key: string, rows: unknown[], dbName?: string): Promise<boolean> {
	return putRecord(SCREENS_STORE, { key, rows, savedAt: Date.now() }, dbName);
}

export const techScreenKey = (uid: string) => `tech:${uid}`;
export const portalScreenKey = (uid: string) => `portal:${uid}`;
/** Rows the portal shows first. */
export const PORTAL_FIRST = 50;
const DONE = new Set(['resolved', 'closed']);

/** The `n` most recently updated tickets not resolved or closed (the portal's first screenful). */
export function newestOpen<T extends TicketRow>(rows: readonly T[], n: number): T[] {
	return rows
		.filter((r) => !r.deleted_at && !DONE.has(String(r.status)))
		.sort((a, b) => String(b.updated_at ?? '').localeCompare(String(a.updated_at ?? '')))
		.slice(0, n);
}
/**
 * Without Dexie: the tickets for which `filter` holds (up to `limit`, in storage order), or null
 * when there is no local database yet. For a list's first screenful while Dexie loads.
 */
export function peekTickets(filter: (t: TicketRow) => boolean, opts: { limit?: number; dbName?: string } = {}): Promise<TicketRow[] | null> {
	return peekPacked<TicketRow>(TICKETS_STORE, { filter, limit: opts.limit, dbName: opts.dbName });
}
