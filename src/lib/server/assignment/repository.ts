import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { jobsDb, type AssignmentRulesTable } from '../db/schema-jobs';
import type { Insertable, Updateable } from 'kysely';

const OPEN = ['resolved', 'closed'] as const;

export const assignmentRepo = {
  activeRules(db: Kysely<DB>) {
    return jobsDb(db)
      .selectFrom('assignment_rules')
      .select(['id', 'name', 'position', 'conditions', 'team_id', 'agent_id', 'method'])
      .where('deleted_at', 'is', null)
      .where('active', '=', true)
      .orderBy('position')
      .orderBy('created_at')
      .execute();
  },
  listRules(db: Kysely<DB>) {
    return jobsDb(db).selectFrom('assignment_rules').selectAll().where('deleted_at', 'is', null).orderBy('position').orderBy('created_at').execute();
  },
  getRule(db: Kysely<DB>, id: string) {
    return jobsDb(db).selectFrom('assignment_rules').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  },
  insertRule(db: Kysely<DB>, row: Insertable<AssignmentRulesTable>) {
    return jobsDb(db).insertInto('assignment_rules').values(row).returningAll().executeTakeFirstOrThrow();
  },
  updateRule(db: Kysely<DB>, id: string, set: Updateable<AssignmentRulesTable>) {
    return jobsDb(db).updateTable('assignment_rules').set(set).where('id', '=', id).where('deleted_at', 'is', null).returningAll().executeTakeFirst();
  },
  team(db: Kysely<DB>, id: string) {
    return jobsDb(db).selectFrom('teams').select(['id', 'name', 'assignment_method', 'lead_id']).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  },
  teams(db: Kysely<DB>) {
    return jobsDb(db).selectFrom('teams').select(['id', 'name', 'assignment_method']).where('deleted_at', 'is', null).orderBy('name').execute();
  },
  setTeamMethod(db: Kysely<DB>, id: string, method: 'manual' | 'round_robin' | 'least_loaded', by: string | null) {
    return jobsDb(db).updateTable('teams').set({ assignment_method: method, updated_by: by, updated_at: new Date() }).where('id', '=', id).execute();
  },
  /** Active people who can work tickets. */
  agents(db: Kysely<DB>) {
    return db
      .selectFrom('users as u')
      .select(['u.id', 'u.name'])
      .where('u.status', '=', 'active')
      .where('u.deleted_at', 'is', null)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('user_roles as ur')
            .innerJoin('role_permissions as rp', 'rp.role_id', 'ur.role_id')
            .innerJoin('permissions as p', 'p.id', 'rp.permission_id')
            .select('ur.user_id')
            .whereRef('ur.user_id', '=', 'u.id')
            .where('p.key', '=', 'tickets.update')
        )
      )
      .orderBy('u.name')
      .limit(1000)
      .execute();
  },
  /**
   * The team's cursor row, created on first use and locked until the caller's transaction ends:
   * concurrent assignments into one team queue here, so each sees the previous one's pick.
   */
  async lockCursor(db: Kysely<DB>, teamId: string) {
    const j = jobsDb(db);
    await j.insertInto('assignment_cursors').values({ team_id: teamId }).onConflict((oc) => oc.column('team_id').doNothing()).execute();
    return j.selectFrom('assignment_cursors').select(['team_id', 'last_user_id']).where('team_id', '=', teamId).forUpdate().executeTakeFirstOrThrow();
  },
  advanceCursor(db: Kysely<DB>, teamId: string, userId: string) {
    return jobsDb(db)
      .updateTable('assignment_cursors')
      .set({ last_user_id: userId, assigned_count: sql<string>`assigned_count + 1`, updated_at: new Date() })
      .where('team_id', '=', teamId)
      .execute();
  },
  /** Active members who can work tickets, with availability and open load. */
  members(db: Kysely<DB>, teamId: string) {
    return jobsDb(db)
      .selectFrom('team_members as tm')
      .innerJoin('users as u', 'u.id', 'tm.user_id')
      .select([
        'u.id',
        'u.available',
        'u.out_of_office_from',
        'u.out_of_office_until',
        (eb) =>
          eb
            .selectFrom('tickets as t')
            .select(sql<string>`count(*)`.as('n'))
            .whereRef('t.assignee_id', '=', 'u.id')
            .where('t.status', 'not in', OPEN)
            .where('t.deleted_at', 'is', null)
            .as('open_tickets')
      ])
      .where('tm.team_id', '=', teamId)
      .where('u.status', '=', 'active')
      .where('u.deleted_at', 'is', null)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('user_roles as ur')
            .innerJoin('role_permissions as rp', 'rp.role_id', 'ur.role_id')
            .innerJoin('permissions as p', 'p.id', 'rp.permission_id')
            .select('ur.user_id')
            .whereRef('ur.user_id', '=', 'u.id')
            .where('p.key', '=', 'tickets.update')
        )
      )
      .execute();
  },
  agent(db: Kysely<DB>, id: string) {
    return jobsDb(db)
      .selectFrom('users as u')
      .select(['u.id', 'u.name', 'u.available', 'u.out_of_office_from', 'u.out_of_office_until'])
      .where('u.id', '=', id)
      .where('u.status', '=', 'active')
      .where('u.deleted_at', 'is', null)
      .executeTakeFirst();
  },
  ticket(db: Kysely<DB>, id: string) {
    return db
      .selectFrom('tickets')
      .select(['id', 'number', 'subject', 'description', 'priority', 'category_id', 'requester_id', 'assignee_id', 'team_id', 'status'])
      .where('id', '=', id)
      .forNoKeyUpdate()
      .executeTakeFirst();
  },
  setAvailability(db: Kysely<DB>, userId: string, set: { available: boolean; out_of_office_from: Date | null; out_of_office_until: Date | null }) {
    return jobsDb(db)
      .updateTable('users')
      .set({ ...set, updated_at: new Date(), updated_by: userId })
      .where('id', '=', userId)
      .returning(['available', 'out_of_office_from', 'out_of_office_until'])
      .executeTakeFirstOrThrow();
  },
  availability(db: Kysely<DB>, userId: string) {
    return jobsDb(db).selectFrom('users').select(['available', 'out_of_office_from', 'out_of_office_until']).where('id', '=', userId).executeTakeFirstOrThrow();
  }
};
