// The portal's list of my requests, live from Dexie with pending overlays laid over (an offline-
// created ticket is only an overlay until the server confirms it). Loaded by dynamic import: the
// portal paints its first rows with ../tickets.ts `peekTickets` while this (and Dexie) arrive.
import { liveQuery } from 'dexie';
import { getDb, type TicketRow } from '../db';
import { saveScreen, ticketsWithOverlays } from '../tickets';
import { newestOpen, PORTAL_FIRST, portalScreenKey } from '../ticket-screens';
import type { WithPending } from '$sync/client/overlays';

export function watchMyRequests(uid: string, on: { next: (rows: WithPending<TicketRow>[]) => void; error: (e: unknown) => void }): () => void {
	const db = getDb();
	const sub = liveQuery(() => ticketsWithOverlays(db, (r) => r.requester_id === uid)).subscribe({
		next: (rows) => {
			on.next(rows);
			// The next visit paints these first (../tickets.ts `peekScreen`): my newest open requests.
			saveScreen(db, portalScreenKey(uid), () => newestOpen(rows, PORTAL_FIRST));
		},
		error: on.error
	});
	return () => sub.unsubscribe();
}
