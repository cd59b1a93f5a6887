// The technician's tickets and the assets, live from Dexie with pending overlays (a ticket may be
// assigned to me, or away, before the server confirms it). Loaded by dynamic import: the page
// paints its first rows with ../idb-peek.ts while this (and Dexie) arrive.
import { liveQuery } from 'dexie';
import { getDb, type TicketRow } from '../db';
import { withOverlays, type WithPending } from '$sync/client/overlays';
import type { Row } from '$sync/client/schema';

type On<T> = { next: (v: T) => void; error: (e: unknown) => void };

export function watchMyJobs(uid: string, on: On<WithPending<TicketRow>[]>): () => void {
	const db = getDb();
	const sub = liveQuery(async () => {
		const [rows, overlays] = await Promise.all([db.tickets.where('assignee_id').equals(uid).toArray(), db.overlays.where('table').equals('tickets').toArray()]);
		const extra = overlays.length ? await db.tickets.bulkGet([...new Set(overlays.map((o) => String(o.key)))]) : [];
		const all = new Map<string, TicketRow>();
		for (const r of [...rows, ...extra]) if (r) all.set(String(r.id), r);
		return withOverlays([...all.values()], overlays, { filter: (r) => r.assignee_id === uid && !r.deleted_at });
	}).subscribe(on);
	return () => sub.unsubscribe();
}

export function watchAssets(on: On<Row[]>): () => void {
	const sub = liveQuery(() => getDb().assets.toArray()).subscribe({ next: (v) => on.next(v.filter((a) => !a.deleted_at)), error: on.error });
	return () => sub.unsubscribe();
}
