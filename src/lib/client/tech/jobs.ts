// The technician's tickets and the assets, live from Dexie with pending overlays (a ticket may be
// assigned to me, or away, before the server confirms it). Loaded by dynamic import: the page
// paints its first rows with ../tickets.ts `peekTickets` while this (and Dexie) arrive.
import { liveQuery } from 'dexie';
import { getDb, type TicketRow } from '../db';
import { saveScreen, ticketsWithOverlays } from '../tickets';
import { techScreenKey } from '../ticket-screens';
import type { WithPending } from '$sync/client/overlays';
import type { Row } from '$sync/client/schema';

type On<T> = { next: (v: T) => void; error: (e: unknown) => void };

export function watchMyJobs(uid: string, on: On<WithPending<TicketRow>[]>): () => void {
	const db = getDb();
	const sub = liveQuery(() => ticketsWithOverlays(db, (r) => r.assignee_id === uid)).subscribe({
		next: (rows) => {
			on.next(rows);
			// The next visit paints these first (../tickets.ts `peekScreen`).
			saveScreen(db, techScreenKey(uid), () => rows.slice(0, 500));
		},
		error: on.error
	});
	return () => sub.unsubscribe();
}

export function watchAssets(on: On<Row[]>): () => void {
	const sub = liveQuery(() => getDb().assets.toArray()).subscribe({ next: (v) => on.next(v.filter((a) => !a.deleted_at)), error: on.error });
	return () => sub.unsubscribe();
}
