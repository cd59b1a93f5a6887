// Queries of the ticket lifecycle: the REST list (filters, keyset pages), detail reads, links,
// merge moves, time entries, surveys, settings read through the caller's transaction, and the
// tables of migration 0007 (typed here with withTables, so schema.ts stays as it is).
import { sql, type ColumnType, type Generated, type Kysely } from 'kysely';
import type { DB } from '../db/schema';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Audit = { created_at: Timestamp; updated_at: Timestamp; created_by: string | null; updated_by: string | null };

export interface CannedResponsesTable extends Audit {
  id: Generated<string>;
  title: string;
  body: Generated<string>;
  internal: Generated<boolean>;
  actions: ColumnType<Record<string, unknown>, string | undefined, string>;
  active: Generated<boolean>;
  position: Generated<number>;
  deleted_at: NullableTimestamp;
}
export interface TicketTimeEntriesTable extends Audit {
  id: Generated<string>;
  ticket_id: string;
  agent_id: string;
  minutes: number;
  note: string | null;
  work_date: ColumnType<Date, Date | string | undefined, Date | string>;
  mutation_id: string | null;
  device_time: NullableTimestamp;
  deleted_at: NullableTimestamp;
}
export interface TicketSurveysTable extends Audit {
  id: Generated<string>;
  ticket_id: string;
  requester_id: string;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  rating: number | null;
  comment: string | null;
  answered_at: NullableTimestamp;
}
export type LifecycleTables = {
  canned_responses: CannedResponsesTable;
  ticket_time_entries: TicketTimeEntriesTable;
  ticket_surveys: TicketSurveysTable;
};
export type LDB = DB & LifecycleTables;
export const lc = (db: Kysely<DB>) => db.withTables<LifecycleTables>();

export const TICKET_VIEW_COLUMNS = [
  't.id',
  't.number',
  't.subject',
  't.description',
  't.status',
  't.priority',
  't.impact',
  't.urgency',
  't.type_id',
  't.category_id',
  't.tags',
  't.custom_fields',
  't.requester_id',
  't.assignee_id',
  't.team_id',
  't.source',
  't.parent_id',
  't.merged_into_id',
  't.waiting_reason',
  't.resolution_code',
  't.satisfaction_rating',
  't.created_at',
  't.updated_at',
  't.resolved_at',
  't.closed_at'
] as const;

export interface ListFilter {
  /** Only tickets of this requester (portal users); null = all (staff). */
  scopeRequesterId: string | null;
  status?: string[];
  priority?: string[];
  assignee?: string | null;
  team?: string | null;
  requesterId?: string;
  typeId?: string;
  categoryId?: string;
  tag?: string;
  q?: string;
  sort: { column: 'created_at' | 'updated_at' | 'priority_rank' | 'number'; desc: boolean };
  after?: { v: string; id: string };
  limit: number;
}

export const lifecycleRepo = {
  setting(db: Kysely<DB>, key: string) {
    return db.selectFrom('system_settings').select('value').where('key', '=', key).executeTakeFirst();
  },
  list(db: Kysely<DB>, f: ListFilter) {
    // The page is cut from tickets alone (filters, keyset, order, limit) and joined afterwards: the
    // planner then walks the sort index and stops after `limit` rows whatever it estimates. With the
    // joins inside, a row-comparison cursor near the end of the list (estimated at ~1 row, e.g.
    // priority "low") made it hash-join and sort 200k+ rows (1.3 s on 1M tickets).
    // Only the columns the page needs (not the row's tsvector, SLA and audit columns).
    let q = db.selectFrom('tickets as t').select([...TICKET_VIEW_COLUMNS, 't.priority_rank']).where('t.deleted_at', 'is', null);
    if (f.scopeRequesterId) q = q.where('t.requester_id', '=', f.scopeRequesterId);
    if (f.status?.length) q = q.where('t.status', 'in', f.status as never[]);
    if (f.priority?.length) q = q.where('t.priority', 'in', f.priority as never[]);
    if (f.assignee !== undefined) q = f.assignee === null ? q.where('t.assignee_id', 'is', null) : q.where('t.assignee_id', '=', f.assignee);
    if (f.team !== undefined) q = f.team === null ? q.where('t.team_id', 'is', null) : q.where('t.team_id', '=', f.team);
    if (f.requesterId) q = q.where('t.requester_id', '=', f.requesterId);
    if (f.typeId) q = q.where('t.type_id', '=', f.typeId);
    if (f.categoryId) q = q.where('t.category_id', '=', f.categoryId);
    if (f.tag) q = q.where(sql<boolean>`t.tags @> array[${f.tag}]::text[]`);
    if (f.q) q = q.where(sql<boolean>`t.search_vector @@ websearch_to_tsquery('english', ${f.q})`);
    const col = sql.ref(`t.${f.sort.column}`);
    if (f.after) {
      const v = f.sort.column === 'created_at' || f.sort.column === 'updated_at' ? sql`${f.after.v}::timestamptz` : sql`${f.after.v}::bigint`;
      q = q.where(f.sort.desc ? sql<boolean>`(${col}, t.id) < (${v}, ${f.after.id}::uuid)` : sql<boolean>`(${col}, t.id) > (${v}, ${f.after.id}::uuid)`);
    }
    const dir = f.sort.desc ? 'desc' : 'asc';
    const page = q.orderBy(sql`${col} ${sql.raw(dir)}`).orderBy('t.id', dir).limit(f.limit);
    return db
      .selectFrom(page.as('t'))
      .leftJoin('ticket_types as ty', 'ty.id', 't.type_id')
      .leftJoin('ticket_categories as c', 'c.id', 't.category_id')
      .select([...TICKET_VIEW_COLUMNS, 'ty.key as type_key', 'c.name as category_name'])
      .select(sql<string>`(${col})::text`.as('sort_value'))
      .orderBy(sql`${col} ${sql.raw(dir)}`)
      .orderBy('t.id', dir)
      .execute();
  },
  get(db: Kysely<DB>, id: string) {
    return db
      .selectFrom('tickets as t')
      .leftJoin('ticket_types as ty', 'ty.id', 't.type_id')
      .leftJoin('ticket_categories as c', 'c.id', 't.category_id')
      .select([...TICKET_VIEW_COLUMNS, 'ty.key as type_key', 'c.name as category_name'])
      .where('t.id', '=', id)
      .where('t.deleted_at', 'is', null)
      .executeTakeFirst();
  },
  /** Locks the ticket and returns what lifecycle rules decide on. */
  lock(db: Kysely<DB>, id: string) {
    return db
      .selectFrom('tickets')
      .select(['id', 'number', 'subject', 'status', 'priority', 'impact', 'urgency', 'type_id', 'category_id', 'tags', 'custom_fields', 'requester_id', 'assignee_id', 'team_id', 'parent_id', 'merged_into_id', 'resolved_at', 'reopen_count'])
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .forNoKeyUpdate()
      .executeTakeFirst();
  },
  comments(db: Kysely<DB>, ticketId: string, includeInternal: boolean) {
    let q = db
      .selectFrom('ticket_comments')
      .select(['id', 'author_id', 'author_type', 'internal', 'body', 'source', 'created_at'])
      .where('ticket_id', '=', ticketId)
      .where('deleted_at', 'is', null);
    if (!includeInternal) q = q.where('internal', '=', false);
    return q.orderBy('created_at').orderBy('id').execute();
  },
  history(db: Kysely<DB>, ticketId: string, includeInternal: boolean) {
    let q = db
      .selectFrom('ticket_history')
      .select(['action', 'field', 'old_value', 'new_value', 'actor_id', 'source', 'device_time', 'created_at'])
      .where('ticket_id', '=', ticketId);
    if (!includeInternal) q = q.where('internal', '=', false);
    return q.orderBy('created_at').orderBy('id').execute();
  },
  links(db: Kysely<DB>, ticketId: string) {
    return db
      .selectFrom('ticket_links as l')
      .innerJoin('tickets as o', (j) => j.on(sql<boolean>`o.id = case when l.ticket_id = ${ticketId}::uuid then l.linked_ticket_id else l.ticket_id end`))
      .select(['l.id', 'l.kind', 'l.ticket_id', 'l.linked_ticket_id', 'o.id as other_id', 'o.number', 'o.subject', 'o.status'])
      .where((eb) => eb.or([eb('l.ticket_id', '=', ticketId), eb('l.linked_ticket_id', '=', ticketId)]))
      .where('l.kind', 'in', ['related', 'duplicate_of', 'blocks'])
      .orderBy('l.created_at')
      .execute();
  },
  allTicketLinks(db: Kysely<DB>, ticketId: string) {
    return db
      .selectFrom('ticket_links')
      .select(['id', 'ticket_id', 'linked_ticket_id', 'kind', 'note', 'created_by'])
      .where((eb) => eb.or([eb('ticket_id', '=', ticketId), eb('linked_ticket_id', '=', ticketId)]))
      .where('linked_ticket_id', 'is not', null)
      .execute();
  },
  children(db: Kysely<DB>, ticketId: string) {
    return db.selectFrom('tickets').select(['id', 'number', 'subject', 'status']).where('parent_id', '=', ticketId).where('deleted_at', 'is', null).orderBy('number').execute();
  },
  parentOf(db: Kysely<DB>, id: string) {
    return db.selectFrom('tickets').select('parent_id').where('id', '=', id).executeTakeFirst();
  },
  insertLink(db: Kysely<DB>, row: { ticket_id: string; linked_ticket_id: string; kind: 'related' | 'duplicate_of' | 'blocks' | 'caused_by' | 'follow_up_of'; note?: string | null; created_by: string | null }) {
    return db
      .insertInto('ticket_links')
      .values({ ...row, updated_by: row.created_by })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
  },
  /** Removes the link between a and b of this kind, whichever side stored it (relates is symmetric). */
  deleteLink(db: Kysely<DB>, a: string, b: string, kind: string, symmetric: boolean) {
    return db
      .deleteFrom('ticket_links')
      .where('kind', '=', kind as never)
      .where((eb) =>
        symmetric
          ? eb.or([eb.and([eb('ticket_id', '=', a), eb('linked_ticket_id', '=', b)]), eb.and([eb('ticket_id', '=', b), eb('linked_ticket_id', '=', a)])])
          : eb.and([eb('ticket_id', '=', a), eb('linked_ticket_id', '=', b)])
      )
      .returning('id')
      .execute();
  },
  deleteLinksOf(db: Kysely<DB>, ticketId: string) {
    return db
      .deleteFrom('ticket_links')
      .where((eb) => eb.or([eb('ticket_id', '=', ticketId), eb('linked_ticket_id', '=', ticketId)]))
      .where('linked_ticket_id', 'is not', null)
      .execute();
  },
  /** Moves the conversation: comments, attachments, with their requester copy following the target (trigger). */
  async moveConversation(db: Kysely<DB>, sourceId: string, targetId: string) {
    const c = await db.updateTable('ticket_comments').set({ ticket_id: targetId }).where('ticket_id', '=', sourceId).returning('id').execute();
    const a = await db.updateTable('ticket_attachments').set({ ticket_id: targetId }).where('ticket_id', '=', sourceId).returning('id').execute();
    const te = await lc(db).updateTable('ticket_time_entries').set({ ticket_id: targetId }).where('ticket_id', '=', sourceId).returning('id').execute();
    const ch = await db.updateTable('tickets').set({ parent_id: targetId }).where('parent_id', '=', sourceId).where('id', '<>', targetId).returning('id').execute();
    return { comments: c.length, attachments: a.length, timeEntries: te.length, children: ch.length };
  },
  timeEntries(db: Kysely<DB>, ticketId: string) {
    return lc(db)
      .selectFrom('ticket_time_entries as e')
      .leftJoin('users as u', 'u.id', 'e.agent_id')
      .select(['e.id', 'e.agent_id', 'u.name as agent_name', 'e.minutes', 'e.note', sql<string>`e.work_date::text`.as('work_date'), 'e.created_at'])
      .where('e.ticket_id', '=', ticketId)
      .where('e.deleted_at', 'is', null)
      .orderBy('e.created_at')
      .execute();
  },
  insertTimeEntry(db: Kysely<DB>, row: { id: string; ticket_id: string; agent_id: string; minutes: number; note: string | null; work_date: string; mutation_id: string | null; device_time: Date; created_at: Date; updated_at: Date }) {
    return lc(db)
      .insertInto('ticket_time_entries')
      .values({ ...row, created_by: row.agent_id, updated_by: row.agent_id })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
  },
  customFieldDefs(db: Kysely<DB>) {
    return db
      .selectFrom('custom_field_definitions')
      .select(['key', 'label', 'type', 'options', 'required_for_type_ids', 'type_ids', 'active', 'portal_visible'])
      .where('entity', '=', 'ticket')
      .where('deleted_at', 'is', null)
      .execute();
  },
  typeByKeyOrId(db: Kysely<DB>, v: string) {
    const isId = /^[0-9a-f-]{36}$/i.test(v);
    return db
      .selectFrom('ticket_types')
      .select(['id', 'key', 'default_priority'])
      .where(isId ? 'id' : 'key', '=', v)
      .where('active', '=', true)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  },
  macro(db: Kysely<DB>, id: string) {
    return lc(db).selectFrom('canned_responses').select(['id', 'title', 'body', 'internal', 'actions']).where('id', '=', id).where('active', '=', true).where('deleted_at', 'is', null).executeTakeFirst();
  },
  userName(db: Kysely<DB>, id: string) {
    return db.selectFrom('users').select(['name']).where('id', '=', id).executeTakeFirst();
  },
  insertSurvey(db: Kysely<DB>, row: { ticket_id: string; requester_id: string; expires_at: Date; created_by: string | null }) {
    return lc(db)
      .insertInto('ticket_surveys')
      .values({ ...row, updated_by: row.created_by })
      .returning(['id', 'expires_at'])
      .executeTakeFirstOrThrow();
  },
  surveyForUpdate(db: Kysely<DB>, id: string) {
    return lc(db)
      .selectFrom('ticket_surveys as s')
      .innerJoin('tickets as t', 't.id', 's.ticket_id')
      .select(['s.id', 's.ticket_id', 's.requester_id', 's.expires_at', 's.answered_at', 't.number', 't.subject'])
      .where('s.id', '=', id)
      .forUpdate('s')
      .executeTakeFirst();
  },
  answerSurvey(db: Kysely<DB>, id: string, rating: number, comment: string | null, at: Date) {
    return lc(db).updateTable('ticket_surveys').set({ rating, comment, answered_at: at }).where('id', '=', id).where('answered_at', 'is', null).returning('id').executeTakeFirst();
  }
};
