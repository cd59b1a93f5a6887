// The one way the browser reads its synced tickets. They are stored packed, PAGE_SIZE rows per
// IndexedDB record (sync/client/packed.ts: one record per row cost more CPU than a 20k rows/s
// initial sync allows), so nothing outside this module opens the page store: the desk queue, the
// technician's and the portal's lists, the ticket pages and the first-screenful peeks all come
// here. Rows are read whole and filtered in memory (the desk already refined and sorted in memory);
// pending optimistic changes are laid over with `ticketsWithOverlays` / `readTicket` (desk/ticket.ts).
//
// The Dexie-free first-screen reads (`peekTickets`, saved screens) are in ./ticket-screens.ts, so
// the first screens' bundles do not carry the page store and overlay code.
import { packedAll, packedCount, packedGet } from '$sync/client/packed';
import { withOverlays, type WithPending } from '$sync/client/overlays';
import { TICKETS_STORE } from './ticket-screens';
import type { OutpostDb, TicketRow } from './db';


/** One ticket as synced (no overlays), or undefined when this device does not hold it. */
export async function getTicket(db: OutpostDb, id: string): Promise<TicketRow | undefined> {
	return (await packedGet(db.ticketPages, [id]))[0] as TicketRow | undefined;
}

/** Tickets by id, in order (undefined where not held). */
export function getTickets(db: OutpostDb, ids: readonly string[]): Promise<Array<TicketRow | undefined>> {
	return packedGet(db.ticketPages, ids) as Promise<Array<TicketRow | undefined>>;
}

/** Every synced ticket for which `filter` holds (all of them without one). */
export function allTickets(db: OutpostDb, filter?: (t: TicketRow) => boolean): Promise<TicketRow[]> {
	return packedAll(db.ticketPages, filter as ((r: unknown) => boolean) | undefined) as Promise<TicketRow[]>;
}

export function countTickets(db: OutpostDb): Promise<number> {
	return packedCount(db.ticketPages);
}

/**
 * The tickets for which `filter` holds once this device's pending changes are laid over (a row
 * may enter or leave the list by a change not yet confirmed; an optimistic insert joins it).
 * Deleted rows (`deleted_at`) are left out. Reads in a liveQuery re-run on any ticket write.
 */
export async function ticketsWithOverlays(db: OutpostDb, filter: (t: WithPending<TicketRow>) => boolean): Promise<WithPending<TicketRow>[]> {
	const overlays = await db.overlays.where('table').equals('tickets').toArray();
	const touched = new Set(overlays.map((o) => String(o.key)));
	const rows = await allTickets(db, (t) => filter(t) || touched.has(t.id));
	return withOverlays(rows, overlays, { filter: (r) => filter(r) && !r.deleted_at });
}

/** Whether a Dexie `storagemutated` event (its parts) touched the tickets of `db`. */
export function ticketsTouched(db: { name: string }, parts: Record<string, unknown>): boolean {
	const prefix = `idb://${db.name}/${TICKETS_STORE}/`;
	for (const key in parts) if (key.startsWith(prefix)) return true;
	return false;
}

const saved = new Map<string, string>();
const pendingSaves = new Map<string, { db: OutpostDb; rows: () => unknown[] }>();
let saveTimer: ReturnType<typeof setTimeout> | undefined;

/** After the saved screens were cleared (sign-out): the next save writes whatever it gets. */
export function forgetSavedScreens(): void {
	saved.clear();
	pendingSaves.clear();
}

/**
 * Remembers a list's first screenful for its next visit (`peekScreen`). `rows` is called later
 * (saves are coalesced per key, one write a second at most), and a screen equal to the one last
 * saved (same ids and updated_at) is not written again.
 */
export function saveScreen(db: OutpostDb, key: string, rows: () => unknown[]): void {
	pendingSaves.set(`${db.name}\n${key}`, { db, rows });
	saveTimer ??= setTimeout(() => {
		saveTimer = undefined;
		const batch = [...pendingSaves];
		pendingSaves.clear();
		for (const [k, { db, rows }] of batch) {
			const value = rows();
			const sig = value.map((r) => `${(r as TicketRow).id}@${(r as TicketRow).updated_at}`).join();
			if (saved.get(k) === sig) continue;
			saved.set(k, sig);
			void db.ticketScreens.put({ key: k.slice(k.indexOf('\n') + 1), rows: value, savedAt: Date.now() }).catch(() => saved.delete(k));
		}
	}, 1_000);
}
