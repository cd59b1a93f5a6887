// SLA queries: configuration (policies, calendars), the inputs of a ticket's clock (its row, status
// history, recorded SLA events), writes of the derived timeline and the cached columns, and the
// breach sweep's candidates. Queries only; rules live in the service and src/lib/domain/sla.
import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { DB } from '../db/schema';
import type { BusinessCalendarsTable, SlaEventsTable, SlaPoliciesTable } from '../db/schema-service-desk';

const POLICY_COLUMNS = ['id', 'name', 'description', 'conditions', 'targets', 'calendar_id', 'pause_statuses', 'warning_percent', 'active', 'position', 'updated_at'] as const;
const CALENDAR_COLUMNS = ['id', 'name', 'description', 'time_zone', 'weekly_hours', 'holidays', 'is_default', 'updated_at', 'deleted_at'] as const;

/** The ticket columns ticketWithInputs always selects. */
const SLA_ROW_COLUMNS = new Set([
  'id', 'status', 'priority', 'type_id', 'category_id', 'team_id', 'requester_id', 'source', 'tags', 'created_at', 'client_created_at', 'first_response_at',
  'sla_policy_id', 'first_response_due_at', 'resolution_due_at', 'first_response_breached_at', 'resolution_breached_at', 'sla_paused', 'sla_paused_at',
  'sla_paused_seconds', 'deleted_at'
]);

export const slaRepo = {
  activePolicies(db: Kysely<DB>) {
    return db.selectFrom('sla_policies').select(POLICY_COLUMNS).where('active', '=', true).where('deleted_at', 'is', null).execute();
  },
  /** Every calendar, deleted ones too: recorded policy decisions may still refer to them. */
  calendars(db: Kysely<DB>) {
    return db.selectFrom('business_calendars').select(CALENDAR_COLUMNS).execute();
  },
  /** What the clock and the policy match need of a ticket. */
  ticket(db: Kysely<DB>, id: string) {
    return db
      .selectFrom('tickets as t')
      .leftJoin('ticket_types as ty', 'ty.id', 't.type_id')
      .select([
        't.id', 't.status', 't.priority', 't.type_id', 'ty.key as type_key', 't.category_id', 't.team_id', 't.requester_id', 't.source', 't.tags',
        't.created_at', 't.client_created_at', 't.first_response_at', 't.sla_policy_id', 't.first_response_due_at', 't.resolution_due_at',
        't.first_response_breached_at', 't.resolution_breached_at', 't.sla_paused', 't.sla_paused_at', 't.sla_paused_seconds', 't.deleted_at'
      ])
      .where('t.id', '=', id)
      .executeTakeFirst();
  },
  /**
   * ticket(), its live events and its status history in ONE round trip (the hook runs this on every
   * relevant ticket change): the two lists come back as JSON arrays, timestamps as epoch ms.
   * `lock`: also lock the row for a write (FOR NO KEY UPDATE) and return these columns with it.
   */
  async ticketWithInputs(db: Kysely<DB>, id: string, lock?: { columns: readonly string[] }) {
    const r = await sql<Record<string, unknown>>`
      select t.id, t.status, t.priority, t.type_id, ty.key as type_key, t.category_id, t.team_id, t.requester_id, t.source, t.tags,
             t.created_at, t.client_created_at, t.first_response_at, t.sla_policy_id, t.first_response_due_at, t.resolution_due_at,
             t.first_response_breached_at, t.resolution_breached_at, t.sla_paused, t.sla_paused_at, t.sla_paused_seconds, t.deleted_at,
             ${lock ? sql`${sql.join(lock.columns.filter((c) => !SLA_ROW_COLUMNS.has(c)).map((c) => sql.ref(`t.${c}`)))},` : sql``}
             coalesce((select json_agg(json_build_object('id', e.id, 'policy_id', e.policy_id, 'kind', e.kind, 'target', e.target,
                        'occurred_at', extract(epoch from e.occurred_at) * 1000, 'device_time', extract(epoch from e.device_time) * 1000,
                        'due_at', extract(epoch from e.due_at) * 1000, 'details', e.details) order by e.occurred_at, e.id)
                       from sla_events e where e.ticket_id = t.id and e.superseded_at is null), '[]') as sla_events_json,
             coalesce((select json_agg(json_build_object('new_value', h.new_value, 'device_time', extract(epoch from h.device_time) * 1000,
                        'created_at', extract(epoch from h.created_at) * 1000) order by h.created_at, h.id)
                       from ticket_history h where h.ticket_id = t.id and h.field = 'status'), '[]') as status_history_json
      from tickets t left join ticket_types ty on ty.id = t.type_id
      where t.id = ${id}
      ${lock ? sql`for no key update of t` : sql``}`.execute(db);
    const row = r.rows[0];
    if (!row) return null;
    const date = (v: unknown) => (v == null ? null : new Date(Number(v)));
    const { sla_events_json, status_history_json, ...ticket } = row;
    const events = (sla_events_json as Record<string, unknown>[]).map((e) => ({
      id: e.id as string,
      policy_id: e.policy_id as string | null,
      kind: e.kind as string,
      target: e.target as string | null,
      occurred_at: date(e.occurred_at)!,
      device_time: date(e.device_time),
      due_at: date(e.due_at),
      details: e.details as Record<string, unknown>,
      superseded_at: null as Date | null
    }));
    const history = (status_history_json as Record<string, unknown>[]).map((h) => ({ new_value: h.new_value, device_time: date(h.device_time), created_at: date(h.created_at)! }));
    return {
      ticket: ticket as unknown as NonNullable<Awaited<ReturnType<typeof slaRepo.ticket>>>,
      events: events as unknown as Awaited<ReturnType<typeof slaRepo.events>>,
      history
    };
  },
  /** ticket() for many tickets at once (the breach sweep). */
  ticketsByIds(db: Kysely<DB>, ids: string[]) {
    if (!ids.length) return Promise.resolve([] as NonNullable<Awaited<ReturnType<typeof slaRepo.ticket>>>[]);
    return db
      .selectFrom('tickets as t')
      .leftJoin('ticket_types as ty', 'ty.id', 't.type_id')
      .select([
        't.id', 't.status', 't.priority', 't.type_id', 'ty.key as type_key', 't.category_id', 't.team_id', 't.requester_id', 't.source', 't.tags',
        't.created_at', 't.client_created_at', 't.first_response_at', 't.sla_policy_id', 't.first_response_due_at', 't.resolution_due_at',
        't.first_response_breached_at', 't.resolution_breached_at', 't.sla_paused', 't.sla_paused_at', 't.sla_paused_seconds', 't.deleted_at'
      ])
      .where('t.id', 'in', ids)
      .execute();
  },
  statusHistoryOf(db: Kysely<DB>, ids: string[]) {
    if (!ids.length) return Promise.resolve([]);
    return db
      .selectFrom('ticket_history')
      .select(['ticket_id', 'new_value', 'device_time', 'created_at'])
      .where('ticket_id', 'in', ids)
      .where('field', '=', 'status')
      .orderBy('ticket_id')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  },
  eventsOf(db: Kysely<DB>, ids: string[]) {
    if (!ids.length) return Promise.resolve([]);
    return db
      .selectFrom('sla_events')
      .select(['id', 'ticket_id', 'policy_id', 'kind', 'target', 'occurred_at', 'device_time', 'due_at', 'details', 'superseded_at'])
      .where('ticket_id', 'in', ids)
      .where('superseded_at', 'is', null)
      .orderBy('ticket_id')
      .orderBy('occurred_at')
      .orderBy('id')
      .execute();
  },
  /** Status moves in the order they were recorded, with the (clamped) device time they happened at. */
  statusHistory(db: Kysely<DB>, ticketId: string) {
    return db
      .selectFrom('ticket_history')
      .select(['new_value', 'device_time', 'created_at'])
      .where('ticket_id', '=', ticketId)
      .where('field', '=', 'status')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  },
  events(db: Kysely<DB>, ticketId: string, opts: { superseded?: boolean } = {}) {
    let q = db
      .selectFrom('sla_events')
      .select(['id', 'policy_id', 'kind', 'target', 'occurred_at', 'device_time', 'due_at', 'details', 'superseded_at'])
      .where('ticket_id', '=', ticketId);
    if (!opts.superseded) q = q.where('superseded_at', 'is', null);
    return q.orderBy('occurred_at').orderBy('id').execute();
  },
  /** Appends events; a second live breach of the same metric is silently skipped (sla_events_breached_key). */
  async insertEvents(db: Kysely<DB>, rows: Insertable<SlaEventsTable>[]) {
    if (!rows.length) return [];
    return db.insertInto('sla_events').values(rows).onConflict((oc) => oc.doNothing()).returning(['id', 'ticket_id', 'kind', 'target', 'occurred_at']).execute();
  },
  supersede(db: Kysely<DB>, ids: string[], at: Date) {
    if (!ids.length) return Promise.resolve();
    return db.updateTable('sla_events').set({ superseded_at: at, updated_at: at }).where('id', 'in', ids).where('superseded_at', 'is', null).execute();
  },
  /** The cached SLA columns of several tickets in one statement. */
  async updateSlaColumns(
    db: Kysely<DB>,
    rows: {
      id: string;
      sla_policy_id: string | null;
      first_response_due_at: Date | null;
      resolution_due_at: Date | null;
      first_response_breached_at: Date | null;
      resolution_breached_at: Date | null;
      sla_paused: boolean;
      sla_paused_at: Date | null;
      sla_paused_seconds: number;
    }[]
  ) {
    if (!rows.length) return;
    if (rows.length === 1) {
      const { id, ...set } = rows[0];
      await db.updateTable('tickets').set(set).where('id', '=', id).execute();
      return;
    }
    const values = sql.join(
      rows.map(
        (r) =>
          sql`(${r.id}::uuid, ${r.sla_policy_id}::uuid, ${r.first_response_due_at}::timestamptz, ${r.resolution_due_at}::timestamptz, ${r.first_response_breached_at}::timestamptz, ${r.resolution_breached_at}::timestamptz, ${r.sla_paused}::boolean, ${r.sla_paused_at}::timestamptz, ${r.sla_paused_seconds}::integer)`
      )
    );
    await sql`update tickets t set sla_policy_id = v.p, first_response_due_at = v.fd, resolution_due_at = v.rd, first_response_breached_at = v.fb,
        resolution_breached_at = v.rb, sla_paused = v.sp, sla_paused_at = v.spa, sla_paused_seconds = v.sps
      from (values ${values}) as v(id, p, fd, rd, fb, rb, sp, spa, sps) where t.id = v.id`.execute(db);
  },
  /**
   * Open tickets whose cached due instant has passed without a recorded breach, after `afterId`
   * (keyset, so one sweep visits each once). Each half repeats the predicate of its partial index
   * (migration 0002) literally, so the planner can use it.
   */
  async breachCandidates(db: Kysely<DB>, now: Date, afterId: string | null, limit: number) {
    const after = afterId ? sql`and id > ${afterId}` : sql``;
    const r = await sql<{ id: string }>`
      select id from (
        (select id from tickets
          where first_response_at is null and first_response_breached_at is null and status not in ('resolved', 'closed') and deleted_at is null
            and first_response_due_at <= ${now} ${after})
        union
        (select id from tickets
          where resolution_breached_at is null and not sla_paused and status not in ('resolved', 'closed') and deleted_at is null
            and resolution_due_at <= ${now} ${after})
      ) c order by id limit ${limit}`.execute(db);
    return r.rows;
  },
  /** Locks those of the tickets no one else holds; the others are being handled by another worker. */
  lockAvailable(db: Kysely<DB>, ids: string[]) {
    if (!ids.length) return Promise.resolve([] as { id: string }[]);
    return db.selectFrom('tickets').select('id').where('id', 'in', ids).orderBy('id').forNoKeyUpdate().skipLocked().execute();
  },

  // ── Admin ────────────────────────────────────────────────────────────────────────────────
  listPolicies(db: Kysely<DB>) {
    return db.selectFrom('sla_policies').select(POLICY_COLUMNS).where('deleted_at', 'is', null).orderBy('position').orderBy('name').execute();
  },
  policy(db: Kysely<DB>, id: string) {
    return db.selectFrom('sla_policies').select(POLICY_COLUMNS).where('id', '=', id).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
  },
  insertPolicy(db: Kysely<DB>, row: Insertable<SlaPoliciesTable>) {
    return db.insertInto('sla_policies').values(row).returning(POLICY_COLUMNS).executeTakeFirstOrThrow();
  },
  updatePolicy(db: Kysely<DB>, id: string, set: Updateable<SlaPoliciesTable>) {
    return db.updateTable('sla_policies').set(set).where('id', '=', id).returning(POLICY_COLUMNS).executeTakeFirstOrThrow();
  },
  listCalendars(db: Kysely<DB>) {
    return db.selectFrom('business_calendars').select(CALENDAR_COLUMNS).where('deleted_at', 'is', null).orderBy('name').execute();
  },
  calendar(db: Kysely<DB>, id: string) {
    return db.selectFrom('business_calendars').select(CALENDAR_COLUMNS).where('id', '=', id).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
  },
  insertCalendar(db: Kysely<DB>, row: Insertable<BusinessCalendarsTable>) {
    return db.insertInto('business_calendars').values(row).returning(CALENDAR_COLUMNS).executeTakeFirstOrThrow();
  },
  updateCalendar(db: Kysely<DB>, id: string, set: Updateable<BusinessCalendarsTable>) {
    return db.updateTable('business_calendars').set(set).where('id', '=', id).returning(CALENDAR_COLUMNS).executeTakeFirstOrThrow();
  },
  clearDefaultCalendar(db: Kysely<DB>, exceptId: string | null) {
    let q = db.updateTable('business_calendars').set({ is_default: false }).where('is_default', '=', true).where('deleted_at', 'is', null);
    if (exceptId) q = q.where('id', '<>', exceptId);
    return q.execute();
  },
  livePoliciesUsingCalendar(db: Kysely<DB>, calendarId: string) {
    return db.selectFrom('sla_policies').select(['id', 'name']).where('calendar_id', '=', calendarId).where('deleted_at', 'is', null).execute();
  },
  nameTaken(db: Kysely<DB>, table: 'sla_policies' | 'business_calendars', name: string, exceptId: string | null) {
    let q = db.selectFrom(table).select('id').where(sql<boolean>`lower(name) = lower(${name})`).where('deleted_at', 'is', null);
    if (exceptId) q = q.where('id', '<>', exceptId);
    return q.executeTakeFirst();
  },
  /**
   * Open tickets with a running SLA target, with the row's cached clock columns and the policy
   * decision in force (its snapshot: targets, calendar), for the escalation thresholds.
   */
  async progressRows(db: Kysely<DB>) {
    const r = await sql<{
      id: string;
      created_at: Date;
      first_response_at: Date | null;
      first_response_due_at: Date | null;
      resolution_due_at: Date | null;
      first_response_breached_at: Date | null;
      resolution_breached_at: Date | null;
      sla_paused: boolean;
      sla_paused_at: Date | null;
      sla_paused_seconds: number;
      decision: { policy?: { calendarId?: string | null; targets?: Record<string, number | null> } } | null;
    }>`
      select t.id, t.created_at, t.first_response_at, t.first_response_due_at, t.resolution_due_at, t.first_response_breached_at,
             t.resolution_breached_at, t.sla_paused, t.sla_paused_at, t.sla_paused_seconds,
             (select e.details from sla_events e
               where e.ticket_id = t.id and e.superseded_at is null and e.kind in ('start', 'policy_changed', 'target_changed')
               order by e.occurred_at desc, e.id desc limit 1) as decision
        from tickets t
       where t.status not in ('resolved', 'closed') and t.deleted_at is null
         and ((t.first_response_due_at is not null and t.first_response_at is null) or t.resolution_due_at is not null)`.execute(db);
    return r.rows;
  }
};
