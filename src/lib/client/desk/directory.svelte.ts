// People and teams for the desk (names, the assignee combobox), read from the synced `users` and
// `teams` tables. Small tables: kept in memory while a desk screen is open.
import { liveQuery } from 'dexie';
import { getDb, type OutpostDb } from '../db';

export interface Person {
	id: string;
	name: string;
	email: string;
	team_id: string | null;
	/** May be assigned tickets (an agent, IT manager or admin). */
	staff: boolean;
}
export interface Team {
	id: string;
	name: string;
}

const STAFF = ['agent', 'it_manager', 'admin'];

class Directory {
	people = $state.raw<Map<string, Person>>(new Map());
	teams = $state.raw<Map<string, Team>>(new Map());
	loaded = $state(false);

	get staff(): Person[] {
		return [...this.people.values()].filter((p) => p.staff).sort((a, b) => a.name.localeCompare(b.name));
	}
	get teamList(): Team[] {
		return [...this.teams.values()].sort((a, b) => a.name.localeCompare(b.name));
	}
	name(id: string | null | undefined): string | undefined {
		return id ? this.people.get(id)?.name : undefined;
	}

	/** Subscribes while at least one desk screen uses it; returns the release function. */
	use(db: OutpostDb = getDb()): () => void {
		const a = liveQuery(() => db.users.toArray()).subscribe({
			next: (rows) => {
				this.people = new Map(
					rows
						.filter((r) => !r.deleted_at)
						.map((r) => {
							const roles = Array.isArray(r.role_keys) ? (r.role_keys as string[]) : [];
							const p: Person = { id: r.id, name: String(r.name ?? r.email ?? ''), email: String(r.email ?? ''), team_id: (r.team_id as string | null) ?? null, staff: roles.some((k) => STAFF.includes(k)) && r.status !== 'inactive' };
							return [r.id, p];
						})
				);
				this.loaded = true;
			},
			error: () => {}
		});
		const b = liveQuery(() => db.teams.toArray()).subscribe({
			next: (rows) => (this.teams = new Map(rows.filter((r) => !r.deleted_at).map((r) => [r.id, { id: r.id, name: String(r.name ?? '') }]))),
			error: () => {}
		});
		return () => {
			a.unsubscribe();
			b.unsubscribe();
		};
	}
}

export const directory = new Directory();
