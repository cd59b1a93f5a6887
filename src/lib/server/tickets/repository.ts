import { sql, type Insertable, type Kysely, type QueryCreator, type Updateable, type UpdateObject } from 'kysely';
import type { AuditLogsTable, DB } from '../db/schema';
import { executeShaped } from '../db/prepared';
import type { SlaEventsTable, TicketCommentsTable, TicketHistoryTable, TicketsTable } from '../db/schema-service-desk';

/** What a ticket write leaves behind besides the row: history, audit entries, SLA events. */
export interface Trail {
  history: Insertable<TicketHistoryTable>[];
  audit: Insertable<AuditLogsTable>[];
  slaEvents?: Insertable<SlaEventsTable>[];
}

/** The columns of a ticket the API answers with (lifecycle-service ticketView, minus the joined names). */
const CREATED_COLUMNS = [
  'id', 'number', 'subject', 'description', 'status', 'priority', 'impact', 'urgency', 'type_id', 'category_id', 'tags', 'custom_fields',
  'requester_id', 'assignee_id', 'team_id', 'source', 'parent_id', 'merged_into_id', 'waiting_reason', 'resolution_code', 'satisfaction_rating',
  'created_at', 'updated_at', 'resolved_at', 'closed_at'
] as const;

export const WRITE_COLUMNS = [
  'id',
  'number',
  'subject',
  'description',
  'status',
  'priority',
  'type_id',
  'category_id',
  'tags',
  'requester_id',
  'assignee_id',
  'team_id',
  'resolved_at',
  'reopen_count',
  'first_response_at',
  'custom_fields'
] as const;

type TrailPart = (q: QueryCreator<DB>) => { execute(): Promise<unknown> } & object;

/** A trail's non-empty lists as INSERTs. */
function trailParts(t: Trail): TrailPart[] {
  const parts: TrailPart[] = [];
  if (t.history.length) parts.push((q) => q.insertInto('ticket_history').values(t.history));
  if (t.audit.length) parts.push((q) => q.insertInto('audit_logs').values(t.audit));
  if (t.slaEvents?.length) parts.push((q) => q.insertInto('sla_events').values(t.slaEvents!).onConflict((oc) => oc.doNothing()));
  return parts;
}

/** `db` with the inserts as data-modifying CTEs, for the statement that follows to carry them. */
function withTrail(db: Kysely<DB>, parts: TrailPart[]): QueryCreator<DB> {
  let q: QueryCreator<DB> = db;
  parts.forEach((part, i) => {
    q = q.with(`trail_${i}`, (c) => (part(c) as ReturnType<QueryCreator<DB>['insertInto']>).returning(sql<number>`1`.as('one'))) as unknown as QueryCreator<DB>;
  });
  return q;
}

export const ticketsRepo = {
  /** The row a write decides on, locked against concurrent writers (FK checks from children still pass). */
  lockForWrite(db: Kysely<DB>, id: string) {
    return db.selectFrom('tickets').select(WRITE_COLUMNS).where('id', '=', id).where('deleted_at', 'is', null).forNoKeyUpdate().executeTakeFirst();
  },
  /**
   * A comment's touch of its ticket, which also locks and returns the row (one round trip instead
   * of lock + update): last activity, and the reply clocks when the author is on the agent side
   * (not the requester) or is the requester. The caller decides afterwards and rolls back if refused.
   */
  touchForComment(db: Kysely<DB>, id: string, t: { at: Date; deviceTime: Date; actorId: string | null; agentReply: boolean; requesterReply: boolean }) {
    const set: UpdateObject<DB, 'tickets'> = { last_activity_at: t.at };
    if (t.agentReply) {
      const byAgent = sql<boolean>`requester_id is distinct from ${t.actorId}`;
      set.last_agent_reply_at = sql<Date>`case when ${byAgent} then ${t.deviceTime} else last_agent_reply_at end`;
      set.first_response_at = sql<Date>`case when ${byAgent} and first_response_at is null then ${t.deviceTime} else first_response_at end`;
    }
    if (t.requesterReply) set.last_requester_reply_at = sql<Date>`case when requester_id = ${t.actorId} then ${t.deviceTime} else last_requester_reply_at end`;
    return db.updateTable('tickets').set(set).where('id', '=', id).where('deleted_at', 'is', null).returning(WRITE_COLUMNS).executeTakeFirst();
  },
  /** Inserts unless the id exists; undefined then (a client id reused for a different ticket). */
  insert(db: Kysely<DB>, row: Insertable<TicketsTable>) {
    return db
      .insertInto('tickets')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .returning(['id', 'number'])
      .executeTakeFirst();
  },
  /** insert() returning the whole view of the new row (the caller then needs no re-read). */
  insertReturning(db: Kysely<DB>, row: Insertable<TicketsTable>) {
    return db
      .insertInto('tickets')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .returning(CREATED_COLUMNS)
      .executeTakeFirst();
  },
  /**
   * A new ticket and its trail in ONE statement (one round trip): the row insert and, as
   * data-modifying CTEs, its history rows, audit entries and SLA events, plus the creation's audit
   * entry `created` whose `after`/`diff` get the ticket's number (assigned by the insert) in SQL.
   * Returns the inserted row, or undefined when the id already exists — the caller must then
   * throw, which rolls back the trail written against the existing row. `existing: 'fail'` (a
   * statement run outside a transaction, which nothing would roll back): an existing id fails the
   * whole statement with a unique violation of tickets_pkey instead.
   */
  async insertWithTrail(db: Kysely<DB>, row: Insertable<TicketsTable>, created: Insertable<AuditLogsTable>, t: Trail, opts: { existing?: 'skip' | 'fail' } = {}) {
    // The creation's audit values as they are sent (the statement's text must not depend on a value).
    const audit = {
      actor_id: created.actor_id ?? null,
      actor_type: created.actor_type,
      action: created.action,
      entity_type: created.entity_type,
      entity_id: created.entity_id ?? null,
      source: created.source,
      after: String(created.after ?? '{}'),
      diff: String(created.diff ?? '{}'),
      ip: created.ip ?? null,
      user_agent: created.user_agent ?? null,
      request_id: created.request_id ?? null,
      created_by: created.created_by ?? null
    };
    const fail = opts.existing === 'fail';
    // A named statement (db/prepared.ts), built and compiled once per shape (how many history rows,
    // audit entries and SLA events, which columns are set): each shape is parsed and planned once
    // per connection.
    const { rows } = await executeShaped(db, fail ? 'tickets.insertWithTrail:fail' : 'tickets.insertWithTrail', { row, created: audit, history: t.history, audit: t.audit, slaEvents: t.slaEvents ?? [] }, (p) =>
      insertWithTrailQuery(db, p as unknown as InsertWithTrailParts, fail)
    );
    return rows[0] as Awaited<ReturnType<typeof ticketsRepo.insertReturning>>;
  },
  /**
   * A write's history rows, audit entries and SLA events in ONE statement (one round trip): every
   * non-empty list is an INSERT, all but the last riding as data-modifying CTEs of the last.
   */
  async insertTrail(db: Kysely<DB>, t: Trail) {
    const parts = trailParts(t);
    const last = parts.pop();
    if (last) await last(withTrail(db, parts)).execute();
  },
  /**
   * insertComment() with the comment's trail riding as data-modifying CTEs: one round trip. The
   * trail is written even when the comment id exists (undefined is returned): call it inside a
   * transaction and roll back on undefined.
   */
  insertCommentWithTrail(db: Kysely<DB>, row: Insertable<TicketCommentsTable>, t: Trail) {
    return withTrail(db, trailParts(t)).insertInto('ticket_comments').values(row).onConflict((oc) => oc.column('id').doNothing()).returning(['id', 'created_at']).executeTakeFirst();
  },
  /** update() with a trail riding as data-modifying CTEs: one round trip. */
  async updateWithTrail(db: Kysely<DB>, id: string, set: Updateable<TicketsTable>, t: Trail) {
    await withTrail(db, trailParts(t)).updateTable('tickets').set(set).where('id', '=', id).execute();
  },
  update(db: Kysely<DB>, id: string, set: Updateable<TicketsTable>) {
    return db.updateTable('tickets').set(set).where('id', '=', id).execute();
  },
  insertHistory(db: Kysely<DB>, rows: Insertable<TicketHistoryTable>[]) {
    if (!rows.length) return Promise.resolve();
    return db.insertInto('ticket_history').values(rows).execute();
  },
  insertComment(db: Kysely<DB>, row: Insertable<TicketCommentsTable>) {
    return db
      .insertInto('ticket_comments')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .returning(['id', 'created_at'])
      .executeTakeFirst();
  },
  /** Who closed the ticket and when (the last move to closed), for the rejection a late writer sees. */
  lastClosed(db: Kysely<DB>, ticketId: string) {
    return db
      .selectFrom('ticket_history as h')
      .leftJoin('users as u', 'u.id', 'h.actor_id')
      .select(['h.actor_id', 'u.name as actor_name', 'h.created_at'])
      .where('h.ticket_id', '=', ticketId)
      .where('h.field', '=', 'status')
      .where(sql<boolean>`h.new_value = '"closed"'::jsonb`)
      .orderBy('h.created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  },
  typeExists(db: Kysely<DB>, id: string) {
    return db.selectFrom('ticket_types').select(['id', 'key', 'default_priority']).where('id', '=', id).where('active', '=', true).where('deleted_at', 'is', null).executeTakeFirst();
  },
  categoryExists(db: Kysely<DB>, id: string) {
    return db.selectFrom('ticket_categories').select('id').where('id', '=', id).where('active', '=', true).where('deleted_at', 'is', null).executeTakeFirst();
  },
  teamExists(db: Kysely<DB>, id: string) {
    return db.selectFrom('teams').select('id').where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  },
  /** Who a live ticket belongs to (read checks). */
  requesterOf(db: Kysely<DB>, id: string) {
    return db.selectFrom('tickets').select(['id', 'requester_id']).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  },
  activeUser(db: Kysely<DB>, id: string) {
    return db.selectFrom('users').select(['id', 'name']).where('id', '=', id).where('status', '=', 'active').where('deleted_at', 'is', null).executeTakeFirst();
  },
  /** An active user whose roles grant `permission` (e.g. someone tickets can be assigned to). */
  activeUserWith(db: Kysely<DB>, id: string, permission: string) {
    return db
      .selectFrom('users as u')
      .select(['u.id', 'u.name'])
      .where('u.id', '=', id)
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
            .where('p.key', '=', permission)
        )
      )
      .executeTakeFirst();
  }
};

type CreatedAuditValues = Pick<Insertable<AuditLogsTable>, 'actor_type' | 'action' | 'entity_type' | 'source'> & {
  actor_id: string | null;
  entity_id: string | null;
  after: string;
  diff: string;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  created_by: string | null;
};
interface InsertWithTrailParts {
  row: Insertable<TicketsTable>;
  created: CreatedAuditValues;
  history: Insertable<TicketHistoryTable>[];
  audit: Insertable<AuditLogsTable>[];
  slaEvents: Insertable<SlaEventsTable>[];
}

/**
 * The statement of ticketsRepo.insertWithTrail. Its text depends only on the parts' shape (list
 * lengths, which columns are set): it is compiled once per shape (executeShaped).
 */
function insertWithTrailQuery(db: Kysely<DB>, p: InsertWithTrailParts, fail: boolean) {
  const created = p.created;
  let q = db.with('new_ticket', (c) => {
    const insert = c.insertInto('tickets').values(p.row);
    return (fail ? insert : insert.onConflict((oc) => oc.column('id').doNothing())).returning(CREATED_COLUMNS);
  }) as unknown as QueryCreator<DB>;
  const parts: ((c: QueryCreator<DB>) => ReturnType<QueryCreator<DB>['insertInto']>)[] = [];
  if (p.history.length) parts.push((c) => c.insertInto('ticket_history').values(p.history) as never);
  if (p.audit.length) parts.push((c) => c.insertInto('audit_logs').values(p.audit) as never);
  if (p.slaEvents.length) parts.push((c) => c.insertInto('sla_events').values(p.slaEvents).onConflict((oc) => oc.doNothing()) as never);
  parts.forEach((part, i) => {
    q = q.with(`trail_${i}`, (c) => part(c).returning(sql<number>`1`.as('one'))) as unknown as QueryCreator<DB>;
  });
  q = q.with('created_audit', (c) =>
    c
      .insertInto('audit_logs')
      .columns(['actor_id', 'actor_type', 'action', 'entity_type', 'entity_id', 'source', 'before', 'after', 'diff', 'ip', 'user_agent', 'request_id', 'created_by'])
      .expression(
        sql`select ${created.actor_id}::uuid, ${created.actor_type}, ${created.action}, ${created.entity_type}, ${created.entity_id}, ${created.source}, null::jsonb,
                   ${created.after}::jsonb || jsonb_build_object('number', n.number), ${created.diff}::jsonb || jsonb_build_object('number', jsonb_build_object('from', null, 'to', n.number)),
                   ${created.ip}, ${created.user_agent}, ${created.request_id}, ${created.created_by}::uuid
              from new_ticket n`
      )
      .returning(sql<number>`1`.as('one'))
  ) as unknown as QueryCreator<DB>;
  type WithNew = DB & { new_ticket: Record<(typeof CREATED_COLUMNS)[number], unknown> };
  return (q as unknown as QueryCreator<WithNew>).selectFrom('new_ticket').selectAll();
}
