// People and teams for the desk (names, the assignee combobox), read from the synced `users` and
// `teams` tables. Small tables: kept in memory while a desk screen is open. No Dexie up front: the
// people are read from IndexedDB directly first (names for a list's first screenful), then both
// tables live through ./directory-live.ts.
import type { OutpostDb } from '../db';
import type { Row } from '$sync/client/schema';
import { peekRows, peekThenLive } from '../idb-peek';

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

	setPeople(rows: Row[]) {
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
	}
	setTeams(rows: Row[]) {
		this.teams = new Map(rows.filter((r) => !r.deleted_at).map((r) => [r.id, { id: r.id, name: String(r.name ?? '') }]));
	}

	/** Subscribes while at least one desk screen uses it; returns the release function. */
	use(db?: OutpostDb): () => void {
		return peekThenLive<Row>({
			peek: this.loaded ? null : () => peekRows<Row>('users', { index: null, limit: 5000, dbName: db?.name }),
			first: (rows) => {
				if (!this.loaded) this.setPeople(rows);
			},
			live: () => import('./directory-live').then(({ watchDirectory }) => watchDirectory(db, { people: (rows) => this.setPeople(rows), teams: (rows) => this.setTeams(rows) })),
			error: () => {}
		});
	}
}

export const directory = new Directory();
