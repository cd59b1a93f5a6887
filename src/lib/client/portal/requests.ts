// The portal's list of my requests, live from Dexie with pending overlays laid over (an offline-
// created ticket is only an overlay until the server confirms it). Loaded by dynamic import: the
// portal paints its first rows with ../idb-peek.ts while this (and Dexie) arrive.
import { liveQuery } from 'dexie';
import { getDb, type TicketRow } from '../db';
import { withOverlays, type WithPending } from '$sync/client/overlays';

export function watchMyRequests(uid: string, on: { next: (rows: WithPending<TicketRow>[]) => void; error: (e: unknown) => void }): () => void {
	const db = getDb();
	const sub = liveQuery(async () => {
		const [rows, overlays] = await Promise.all([db.tickets.where('requester_id').equals(uid).toArray(), db.overlays.where('table').equals('tickets').toArray()]);
		return withOverlays(rows, overlays, { filter: (r) => r.requester_id === uid && !r.deleted_at });
	}).subscribe(on);
	return () => sub.unsubscribe();
}
