// The desk's Dexie side, loaded by dynamic import once the queue has painted its first screenful
// from IndexedDB directly (queue-core.ts `peekFirstPage`): the full view kept live, the pending
// overlays on tickets, and the saved views (kept in Dexie `meta`).
import { liveQuery } from 'dexie';
import { getDb } from '../db';
import type { OverlayRecord } from '$sync/client/schema';
import { watchQueue, type QueueQuery, type QueueRow } from './queue';

export { overlayRows, resortIfNeeded } from './queue-overlays';
import { loadViews, saveViews, type SavedView } from './views';

export function watchView(q: QueueQuery, on: { rows: (rows: QueueRow[]) => void; error: (e: unknown) => void }): () => void {
	return watchQueue(getDb(), q, on);
}

export function watchTicketOverlays(next: (rows: OverlayRecord[]) => void): () => void {
	const db = getDb();
	const sub = liveQuery(() => db.overlays.where('table').equals('tickets').toArray()).subscribe({ next, error: () => {} });
	return () => sub.unsubscribe();
}

export const loadSavedViews = (userId: string) => loadViews(getDb(), userId);
export const storeSavedViews = (userId: string, views: SavedView[]) => saveViews(getDb(), userId, views);
