import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { DB } from '../db/schema';
import { jobsDb, type EscalationRulesTable } from '../db/schema-jobs';

export const escalationRepo = {
  activeRules(db: Kysely<DB>) {
    return jobsDb(db).selectFrom('escalation_rules').selectAll().where('deleted_at', 'is', null).where('active', '=', true).orderBy('position').orderBy('created_at').execute();
  },
  listRules(db: Kysely<DB>) {
    return jobsDb(db).selectFrom('escalation_rules').selectAll().where('deleted_at', 'is', null).orderBy('position').orderBy('created_at').execute();
  },
  getRule(db: Kysely<DB>, id: string) {
    return jobsDb(db).selectFrom('escalation_rules').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  },
  insertRule(db: Kysely<DB>, row: Insertable<EscalationRulesTable>) {
    return jobsDb(db).insertInto('escalation_rules').values(row).returningAll().executeTakeFirstOrThrow();
  },
  updateRule(db: Kysely<DB>, id: string, set: Updateable<EscalationRulesTable>) {
    return jobsDb(db).updateTable('escalation_rules').set(set).where('id', '=', id).where('deleted_at', 'is', null).returningAll().executeTakeFirst();
  },
  /** What the rules' conditions look at, for many tickets. */
  attrs(db: Kysely<DB>, ids: string[]) {
    if (!ids.length) return Promise.resolve([]);
    return db
      .selectFrom('tickets')
      .select(['id', 'priority', 'team_id', 'category_id', 'assignee_id'])
      .where('id', 'in', ids)
      .execute();
  },
  /** (ticket, rule, target) keys already applied, among these tickets (the log of closed tickets is never read again). */
  async applied(db: Kysely<DB>, ruleIds: string[], ticketIds: string[]) {
    const out = new Set<string>();
    if (!ruleIds.length) return out;
    for (let i = 0; i < ticketIds.length; i += 1000) {
      const rows = await jobsDb(db)
        .selectFrom('escalation_log')
        .select(['ticket_id', 'rule_id', 'target'])
        .where('ticket_id', 'in', ticketIds.slice(i, i + 1000))
        .where('rule_id', 'in', ruleIds)
        .execute();
      for (const r of rows) out.add(`${r.ticket_id}/${r.rule_id}/${r.target}`);
    }
    return out;
  },
  async noticed(db: Kysely<DB>) {
    const rows = await jobsDb(db)
      .selectFrom('sla_notices as n')
      .innerJoin('tickets as t', 't.id', 'n.ticket_id')
      .select(['n.ticket_id', 'n.target', 'n.kind'])
      .where('t.status', 'not in', ['resolved', 'closed'])
      .execute();
    return new Set(rows.map((r) => `${r.ticket_id}/${r.target}/${r.kind}`));
  },
  /** The exactly-once guard: true when this call claimed (ticket, rule, target). Waits for a concurrent claimer's commit. */
  async claim(db: Kysely<DB>, row: { ticket_id: string; rule_id: string; target: 'first_response' | 'resolution'; percent: number }) {
    const r = await jobsDb(db)
      .insertInto('escalation_log')
      .values({ ...row, actions: '[]' })
      .onConflict((oc) => oc.constraint('escalation_log_once').doNothing())
      .returning('id')
      .executeTakeFirst();
    return r?.id ?? null;
  },
  recordActions(db: Kysely<DB>, id: string, actions: unknown[]) {
    return jobsDb(db).updateTable('escalation_log').set({ actions: JSON.stringify(actions) }).where('id', '=', id).execute();
  },
  async claimNotice(db: Kysely<DB>, row: { ticket_id: string; target: 'first_response' | 'resolution'; kind: 'warning' | 'breached' }) {
    const r = await jobsDb(db).insertInto('sla_notices').values(row).onConflict((oc) => oc.columns(['ticket_id', 'target', 'kind']).doNothing()).returning('ticket_id').executeTakeFirst();
    return !!r;
  },
  /** The ticket, locked, if still open. */
  openTicket(db: Kysely<DB>, id: string) {
    return db
      .selectFrom('tickets')
      .select(['id', 'number', 'subject', 'priority', 'requester_id', 'assignee_id', 'team_id', 'status'])
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where('status', 'not in', ['resolved', 'closed'])
      .forNoKeyUpdate()
      .executeTakeFirst();
  },
  teamPeople(db: Kysely<DB>, teamId: string) {
    return jobsDb(db)
      .selectFrom('team_members as tm')
      .innerJoin('users as u', 'u.id', 'tm.user_id')
      .select(['u.id', 'tm.is_lead', sql<boolean>`u.id = (select lead_id from teams where id = ${teamId})`.as('is_team_lead')])
      .where('tm.team_id', '=', teamId)
      .where('u.status', '=', 'active')
      .where('u.deleted_at', 'is', null)
      .execute();
  },
  teamLead(db: Kysely<DB>, teamId: string) {
    return db.selectFrom('teams').select('lead_id').where('id', '=', teamId).executeTakeFirst();
  }
};
