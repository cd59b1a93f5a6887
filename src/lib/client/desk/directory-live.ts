// The directory's live side (Dexie): users and teams, loaded by ./directory.svelte.ts after its
// first read straight from IndexedDB.
import { liveQuery } from 'dexie';
import { getDb, type OutpostDb } from '../db';
import type { Row } from '$sync/client/schema';

export function watchDirectory(db: OutpostDb = getDb(), on: { people: (rows: Row[]) => void; teams: (rows: Row[]) => void }): () => void {
	const a = liveQuery(() => db.users.toArray()).subscribe({ next: on.people, error: () => {} });
	const b = liveQuery(() => db.teams.toArray()).subscribe({ next: on.teams, error: () => {} });
	return () => {
		a.unsubscribe();
		b.unsubscribe();
	};
}
