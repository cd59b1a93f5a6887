// Ticket writes: create, field edits, status workflow, assignment and comments. Each method
// checks permissions with can(), decides conflicts with the domain rules, writes the change, its
// ticket_history rows (with the device time) and the audit entry in one transaction: the caller's
// when given (the mutation endpoint records its ledger row in the same one), otherwise its own.
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { AuditLogsTable, DB } from '../db/schema';
import { NeedsDatabase, refusingDb } from '../db/refusing';
import type { TicketHistoryTable, TicketsTable } from '../db/schema-service-desk';
import type { RequestContext } from '../context';
import { WRITE_COLUMNS, ticketsRepo, type Trail } from './repository';
import { actorId, historyRow, readWorkflow } from './lifecycle-common';
import { ticketsEmailRepo } from './email-repository';
import { lifecycleRepo } from './lifecycle-repository';
import { validateCustomFields } from '$lib/domain/tickets/lifecycle';
import { auditRow, recordAudit } from '../audit/service';
import { lockWithSlaInputs, planNewTicketSla, planTicketEdit, slaConfig, supersedeStale, timingOf, type EditInputs } from '../sla/service';
import type { Decision } from '$lib/domain/assignment/decide';
import type { FilesService } from '../files/service';
import { notify } from '../notifications/service';
import { slaRelevantField, slaSettled, slaTouch, slaWrite } from '../sla/hook'; // SLA hook (sla branch)
import { AppError } from '$lib/domain/common/errors';
import { can, systemActor, type Actor } from '$lib/domain/auth/permissions';
import { mergeEdits, conflictError, conflictField, type ConflictChoice, type FieldChange } from '$lib/domain/mutations/merge';
import type { MutationTiming } from '$lib/domain/mutations/clock';
import { checkTransition, statusPatch } from '$lib/domain/tickets/workflow';
import {
  TICKET_INTERNAL_FIELDS,
  TICKET_SET_FIELDS,
  type CommentAddArgs,
  type TicketAssignArgs,
  type TicketCreateArgs,
  type TicketSetStatusArgs,
  type TicketStatus,
  type TicketUpdateArgs,
  type Priority
} from '$lib/domain/tickets/schemas';

const SYSTEM_CTX: RequestContext = { actor: systemActor, source: 'system' };

type Locked = NonNullable<Awaited<ReturnType<typeof ticketsRepo.lockForWrite>>>;

const isAgent = (a: Actor) => can(a, 'tickets.update');

const invalid = (field: string, message: string) => new AppError('validation', `${field}: ${message}`, { fields: [{ field, message }] });
const nullIfEmpty = (v: unknown) => (v === '' ? null : v);
const ticketExists = () => new AppError('conflict', 'id: a ticket with this id already exists', { fields: [{ field: 'id', message: 'already exists' }], choices: ['discard'] });

/** What TicketsService decides before a creation's insert (#planCreate). */
type CreatePlan = {
  rowValues: Insertable<TicketsTable>;
  createdAudit: Insertable<AuditLogsTable>;
  trail: Trail;
  prio: Priority;
  requesterId: string;
  notices: { ctx: RequestContext; userId: string; data: Record<string, unknown> }[];
};
const createdView = (args: TicketCreateArgs, plan: CreatePlan, row: { number: unknown }) => ({
  id: args.id,
  number: Number(row.number),
  subject: args.subject,
  status: 'new' as const,
  priority: plan.prio,
  requester_id: plan.requesterId
});

/** What a caller that just created the ticket already knows (saves reading it back). */
export interface KnownTicket {
  number: number;
  subject: string;
  requesterId: string;
  requesterEmail: string;
  requesterName: string | null;
  ccEmails: string[];
}

/** Outbound ticket mail (email issue), composed in the caller's transaction. */
export interface TicketMailer {
  ticketMail(trx: Kysely<DB>, template: 'ticket.received' | 'ticket.reply' | 'ticket.resolved' | 'ticket.survey', ticketId: string, extra?: { body?: string; authorId?: string | null; commentId?: string; surveyUrl?: string; inReplyTo?: string; references?: string[]; ticket?: KnownTicket }): Promise<string | null>;
}

/** Runs inside the creating transaction after the ticket, its history and audit are written. */
export type TicketCreatedHook = (trx: Kysely<DB>, ctx: RequestContext, ticket: { id: string }) => Promise<unknown>;

/** Runs inside the transaction that moved a ticket through the workflow (kb: drafts from resolved tickets). */
export type TicketStatusHook = (trx: Kysely<DB>, ctx: RequestContext, change: { id: string; from: TicketStatus; to: TicketStatus }) => Promise<unknown>;
/** Automatic assignment, asked before the insert (AssignmentService.decide): null leaves the ticket as it is. */
export type AutoAssign = (
  trx: Kysely<DB>,
  facts: { subject: string; description: string | null; priority: string; category_id: string | null; requester_id: string; team_id: string | null },
  now: Date
) => Promise<Decision | null>;

/** What a creator may set besides TicketCreateArgs (the REST API's fields), written with the row. */
export interface CreateExtras {
  impact?: 'low' | 'medium' | 'high';
  urgency?: 'low' | 'medium' | 'high';
  tags?: string[];
  custom_fields?: Record<string, unknown>;
  source?: 'api' | 'email';
  assignee_id?: string | null;
  team_id?: string | null;
  /** A team the channel routes to (an email mailbox's default team): used like the caller's, recorded as the channel's, not as an assignment by the caller. */
  channelTeamId?: string | null;
  /** Columns only a channel sets (email: the HTML body, the people copied, the requester's last reply). */
  channelColumns?: Pick<Insertable<TicketsTable>, 'description_html' | 'cc_emails' | 'last_requester_reply_at'>;
  /** The type row when the caller has already read it. */
  type?: { id: string; key: string; default_priority: Priority };
}

/**
 * May this reply be the ticket's first response? touchForComment sets first_response_at to the
 * reply's device time only when it was empty, so any other value means it was answered before.
 * (An earlier reply at the very same instant also says yes: the SLA replay then changes nothing.)
 */
/** Can an edit of these fields plan its SLA clocks ahead (see #apply)? A new type needs its key from a join: replayed after instead. */
const slaAhead = (fields: string[]) => fields.some(slaRelevantField) && !fields.includes('type_id');

const answeredBy = (ticket: { first_response_at: Date | null }, t: MutationTiming) => ticket.first_response_at?.getTime() === t.deviceTime.getTime();

export class TicketsService {
  /** jobs: hooks run after a creation, in the same transaction. */
  readonly afterCreate: TicketCreatedHook[] = [];
  /** kb: hooks run after a status change, in the same transaction. */
  readonly afterStatusChange: TicketStatusHook[] = [];
  /** Email issue: mail to the requester on public replies and resolution (set by the app). */
  mailer: TicketMailer | null = null;
  /** jobs: automatic assignment, decided before the insert (see createTicket). */
  autoAssign: AutoAssign | null = null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly files?: FilesService
  ) {}

  #tx<T>(trx: Kysely<DB> | undefined, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    // ── SLA hook (sla branch): tickets touched by #history get their SLA clocks re-derived
    // before the transaction commits (src/lib/server/sla/hook.ts). ──
    const run = (trx: Kysely<DB>) => slaWrite(trx, () => fn(trx));
    return trx ? run(trx) : this.db.transaction().execute(run);
  }

  #history(
    ticket: { id: string; requester_id: string },
    ctx: RequestContext,
    t: MutationTiming,
    e: { action: string; field?: string | null; from?: unknown; to?: unknown; internal: boolean; firstResponse?: boolean }
  ): Insertable<TicketHistoryTable> {
    slaTouch(ticket.id, t, e); // SLA hook (sla branch): see #tx
    return historyRow(ticket, ctx, t, e);
  }


  /** The ticket, locked; a ticket the actor may not read does not exist for them. */
  async #load(trx: Kysely<DB>, ctx: RequestContext, id: string, field = 'id'): Promise<Locked> {
    return this.#visible(ctx, await ticketsRepo.lockForWrite(trx, id), field);
  }

  #visible<T extends { requester_id: string }>(ctx: RequestContext, ticket: T | null | undefined, field: string): T {
    if (!ticket || !can(ctx.actor, 'tickets.read', { requesterId: ticket.requester_id })) {
      throw new AppError('not_found', `${field}: no such ticket`, { fields: [{ field, message: 'no such ticket' }] });
    }
    return ticket;
  }

  /**
   * #load() for an edit of these fields; when they move the SLA clocks (see #apply), the SLA
   * inputs come with the locked row in the same round trip.
   */
  async #loadForEdit(trx: Kysely<DB>, ctx: RequestContext, id: string, fields: string[]): Promise<{ ticket: Locked; sla?: EditInputs }> {
    if (!slaAhead(fields)) return { ticket: await this.#load(trx, ctx, id) };
    const sla = await lockWithSlaInputs(trx, id, WRITE_COLUMNS);
    const ticket = this.#visible(ctx, sla && !sla.ticket.deleted_at ? (sla.ticket as unknown as Locked) : null, 'id');
    return { ticket, sla: sla! };
  }

  /** Closed is final: a late write (made offline before the close) is rejected with who closed it and what the user can do. */
  async #assertNotClosed(trx: Kysely<DB>, ctx: RequestContext, ticket: Locked, yours?: unknown) {
    if (ticket.status !== 'closed') return;
    const closed = await ticketsRepo.lastClosed(trx, ticket.id);
    const by = closed?.actor_id === ctx.actor.id ? 'you' : (closed?.actor_name ?? 'someone else');
    const choices: ConflictChoice[] = isAgent(ctx.actor) ? ['reopen', 'follow_up', 'discard'] : ['follow_up', 'discard'];
    throw new AppError('conflict', `Ticket #${ticket.number} was closed by ${by}${closed ? ` at ${closed.created_at.toISOString()}` : ''}; reopen it or raise a follow-up`, {
      fields: [conflictField('status', 'the ticket is closed', { yours, theirs: 'closed', base: undefined })],
      choices,
      closedBy: closed?.actor_id ? { id: closed.actor_id, name: closed.actor_name } : null,
      closedAt: closed?.created_at.toISOString() ?? null
    });
  }

  async #checkRefs(trx: Kysely<DB>, set: Record<string, unknown>, ctx?: RequestContext) {
    // Assigning to yourself: this request's authentication has just vouched that you are an active
    // user, and your permissions are at hand (no round trip).
    if (ctx && set.assignee_id === ctx.actor.id && ctx.actor.via !== 'system' && can(ctx.actor, 'tickets.update')) set = { ...set, assignee_id: undefined };
    if (typeof set.type_id === 'string' && !(await ticketsRepo.typeExists(trx, set.type_id))) throw invalid('type_id', 'no such ticket type');
    if (typeof set.category_id === 'string' && !(await ticketsRepo.categoryExists(trx, set.category_id))) throw invalid('category_id', 'no such category');
    if (typeof set.team_id === 'string' && !(await ticketsRepo.teamExists(trx, set.team_id))) throw invalid('team_id', 'no such team');
    if (typeof set.assignee_id === 'string' && !(await ticketsRepo.activeUserWith(trx, set.assignee_id, 'tickets.update'))) {
      throw invalid('assignee_id', 'is not an active agent');
    }
  }

  #touch(ctx: RequestContext, t: MutationTiming): Updateable<TicketsTable> {
    return { updated_by: actorId(ctx), updated_at: t.serverTime, client_updated_at: t.deviceTime, last_activity_at: t.serverTime };
  }

  /** May this actor read the ticket (e.g. watch it in real time)? A missing ticket: no. */
  async canRead(actor: Actor, id: string): Promise<boolean> {
    if (!can(actor, 'tickets.read.all') && !can(actor, 'tickets.read.own')) return false;
    const t = await ticketsRepo.requesterOf(this.db, id);
    return !!t && can(actor, 'tickets.read', { requesterId: t.requester_id });
  }

  async create(ctx: RequestContext, args: TicketCreateArgs, t: MutationTiming, trx?: Kysely<DB>) {
    return (await this.createTicket(ctx, args, t, trx)).view;
  }

  /**
   * Creates a ticket with everything decided before the insert, so the row is written once and
   * its trail in one more statement: the type's default priority, what the caller sets besides
   * (impact, urgency, tags, custom fields, channel, team and assignee, with their own history and
   * audit entries as if set right after), automatic assignment of what the caller left open, and
   * the SLA clocks (policy, due dates, start event) replayed in memory from the final facts.
   * Returns the mutation's result (`view`) and the inserted row.
   */
  async createTicket(ctx: RequestContext, args: TicketCreateArgs, t: MutationTiming, trx?: Kysely<DB>, extra: CreateExtras = {}) {
    if (!can(ctx.actor, 'tickets.create')) throw new AppError('forbidden', 'You may not create tickets');
    const requesterId = args.requester_id ?? ctx.actor.id;
    if (requesterId !== ctx.actor.id && !isAgent(ctx.actor)) {
      throw new AppError('forbidden', 'requester_id: you may only raise tickets for yourself', { fields: [{ field: 'requester_id', message: 'you may only raise tickets for yourself' }] });
    }
    const assigning = extra.assignee_id != null || extra.team_id != null;
    if (assigning && !can(ctx.actor, 'tickets.assign')) throw new AppError('forbidden', 'You may not assign tickets');
    if (!trx && !this.afterCreate.length) {
      // No caller transaction and no creation hooks: the reads run first (on the pool: under READ
      // COMMITTED a plain read inside a transaction sees nothing more), with an automatic
      // assignment that may not touch the database (a rule or team that would lock the team's
      // round-robin cursor throws NeedsDatabase: then everything runs in a transaction below).
      // When the insert is then the only write, it runs alone: one statement is its own (implicit)
      // transaction, so no BEGIN/COMMIT round trips. Notifications to send: a transaction for both.
      const plan = await this.#planCreate(this.db, refusingDb, ctx, args, t, extra, requesterId).catch((e: unknown) => {
        if (e instanceof NeedsDatabase) return null;
        throw e;
      });
      if (plan && !plan.notices.length) return this.#insertAlone(args, plan);
      if (plan) return this.#tx(undefined, (trx) => this.#writeCreate(trx, ctx, args, plan));
    }
    return this.#tx(trx, async (trx) => this.#writeCreate(trx, ctx, args, await this.#planCreate(trx, trx, ctx, args, t, extra, requesterId)));
  }

  /**
   * Everything a creation decides before its insert, read through `db`: references, automatic
   * assignment (through `assignDb`), SLA clocks, the row, its history, audit entries and SLA
   * events, and the notifications to send once the ticket has its number.
   */
  async #planCreate(db: Kysely<DB>, assignDb: Kysely<DB>, ctx: RequestContext, args: TicketCreateArgs, t: MutationTiming, extra: CreateExtras, requesterId: string): Promise<CreatePlan> {
    if (requesterId !== ctx.actor.id && !(await ticketsRepo.activeUser(db, requesterId))) throw invalid('requester_id', 'no such active user');
    let priority = args.priority;
    let typeKey: string | null = null;
    if (args.type_id) {
      const type = extra.type?.id === args.type_id ? extra.type : await ticketsRepo.typeExists(db, args.type_id);
      if (!type) throw invalid('type_id', 'no such ticket type');
      priority ??= type.default_priority;
      typeKey = type.key;
    }
    const prio = priority ?? 'medium';
    await this.#checkRefs(db, { category_id: args.category_id, team_id: extra.team_id ?? undefined, assignee_id: extra.assignee_id ?? undefined }, ctx);
    const description = (nullIfEmpty(args.description) as string | null | undefined) ?? null;
    const source = extra.source ?? (isAgent(ctx.actor) ? 'web' : 'portal');
    const tags = extra.tags ?? [];
    // Automatic assignment of what the caller did not set, decided before the insert.
    const auto =
      extra.assignee_id == null && this.autoAssign
        ? await this.autoAssign(assignDb, { subject: args.subject, description, priority: prio, category_id: args.category_id ?? null, requester_id: requesterId, team_id: extra.team_id ?? extra.channelTeamId ?? null }, t.serverTime)
        : null;
    const teamId = extra.team_id ?? extra.channelTeamId ?? auto?.teamId ?? null;
    const assigneeId = extra.assignee_id ?? auto?.agentId ?? null;
    // The SLA clocks from the final facts (what syncTicketSla would derive right after the insert).
    const sla = planNewTicketSla(
      await slaConfig(db),
      { id: args.id, priority: prio, typeId: args.type_id ?? null, typeKey, categoryId: args.category_id ?? null, teamId, requesterId, source, tags, createdAt: t.serverTime, clientCreatedAt: t.deviceTime },
      timingOf(t)
    );
    const rowValues: Insertable<TicketsTable> = {
      id: args.id,
      subject: args.subject,
      description,
      priority: prio,
      impact: extra.impact,
      urgency: extra.urgency,
      tags,
      custom_fields: extra.custom_fields ? JSON.stringify(extra.custom_fields) : undefined,
      type_id: args.type_id ?? null,
      category_id: args.category_id ?? null,
      requester_id: requesterId,
      team_id: teamId,
      assignee_id: assigneeId,
      source,
      ...extra.channelColumns,
      ...sla.cols,
      client_created_at: t.deviceTime,
      client_updated_at: t.deviceTime,
      created_at: t.serverTime,
      updated_at: t.serverTime,
      last_activity_at: t.serverTime,
      created_by: actorId(ctx),
      updated_by: actorId(ctx)
    };
    const ticket = { id: args.id, requester_id: requesterId };
    const trail: Trail = {
      history: [historyRow(ticket, ctx, t, { action: 'created', to: { status: 'new', priority: prio, subject: args.subject }, internal: false })],
      audit: [],
      slaEvents: sla.rows
    };
    // The creation's audit entry; its `number` is filled in by the insert (insertWithTrail).
    const createdAudit = auditRow(ctx, { action: 'ticket.create', entityType: 'ticket', entityId: args.id, before: null, after: { id: args.id, subject: args.subject, status: 'new', priority: prio, requester_id: requesterId } });
    // What the caller set besides, recorded as changes from the defaults (the channel has no history row).
    const DEFAULTS = { impact: 'medium', urgency: 'medium', tags: [], custom_fields: {} } as const;
    const extras = (Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]).filter((k) => extra[k] !== undefined && JSON.stringify(extra[k]) !== JSON.stringify(DEFAULTS[k]));
    if (extras.length) {
      for (const k of extras) trail.history.push(historyRow(ticket, ctx, t, { action: 'updated', field: k, from: DEFAULTS[k], to: extra[k], internal: k === 'custom_fields' || k === 'tags' }));
      trail.audit.push(
        auditRow(ctx, { action: 'ticket.update', entityType: 'ticket', entityId: args.id, before: Object.fromEntries(extras.map((k) => [k, DEFAULTS[k]])), after: Object.fromEntries(extras.map((k) => [k, extra[k]])) })
      );
    }
    const given = (['assignee_id', 'team_id'] as const).filter((f) => extra[f] != null);
    if (given.length) {
      for (const f of given) trail.history.push(historyRow(ticket, ctx, t, { action: f === 'assignee_id' ? 'assigned' : 'updated', field: f, from: null, to: extra[f], internal: TICKET_INTERNAL_FIELDS.includes(f) }));
      trail.audit.push(auditRow(ctx, { action: 'ticket.assign', entityType: 'ticket', entityId: args.id, before: Object.fromEntries(given.map((f) => [f, null])), after: Object.fromEntries(given.map((f) => [f, extra[f]])) }));
    }
    // Set by the system: automatic assignment, and the channel's team (recorded as the final team).
    const autoSet = auto ? (['team_id', 'assignee_id'] as const).filter((f) => extra[f] == null && (f === 'team_id' ? teamId : auto.agentId) !== null) : [];
    if (auto && autoSet.length) {
      const to = { team_id: teamId, assignee_id: auto.agentId };
      for (const f of autoSet) {
        trail.history.push({
          ticket_id: args.id,
          requester_id: requesterId,
          internal: true,
          actor_id: null,
          actor_type: 'system',
          source: 'system',
          action: f === 'assignee_id' ? 'assigned' : 'updated',
          field: f,
          old_value: JSON.stringify(null),
          new_value: JSON.stringify(to[f]),
          device_time: null
        });
      }
      trail.audit.push(
        auditRow(SYSTEM_CTX, {
          action: 'ticket.auto_assign',
          entityType: 'ticket',
          entityId: args.id,
          before: Object.fromEntries(autoSet.map((f) => [f, null])),
          after: { ...Object.fromEntries(autoSet.map((f) => [f, to[f]])), reason: auto.reason, rule_id: auto.ruleId }
        })
      );
    }
    // Notifications of the assignment, sent once the ticket has its number (in the same transaction).
    const notices: CreatePlan['notices'] = [];
    if (extra.assignee_id && extra.assignee_id !== ctx.actor.id) notices.push({ ctx, userId: extra.assignee_id, data: { by: ctx.actor.name } });
    if (auto && autoSet.includes('assignee_id') && auto.agentId) notices.push({ ctx: SYSTEM_CTX, userId: auto.agentId, data: { by: 'System', reason: auto.reason } });
    return { rowValues, createdAudit, trail, prio, requesterId, notices };
  }

  /** The creation's writes in the caller's transaction: the one statement, the notifications, the hooks. */
  async #writeCreate(trx: Kysely<DB>, ctx: RequestContext, args: TicketCreateArgs, plan: CreatePlan) {
    // One statement: the row, its history, audit entries and SLA events.
    const row = await ticketsRepo.insertWithTrail(trx, plan.rowValues, plan.createdAudit, plan.trail);
    // An existing id: the trail just written against that row is rolled back with this error.
    if (!row) throw ticketExists();
    const view = createdView(args, plan, row);
    for (const n of plan.notices) {
      await notify(trx, n.ctx, { userId: n.userId, type: 'ticket.assigned', title: `Ticket #${view.number} was assigned to you`, body: args.subject, link: `/tickets/${args.id}`, ticketId: args.id, data: n.data });
    }
    // jobs: creation hooks — begin
    for (const hook of this.afterCreate) await hook(trx, ctx, view);
    // jobs: creation hooks — end
    return { view, row };
  }

  /** The creation as one statement outside any transaction (see createTicket); an existing id fails it whole. */
  async #insertAlone(args: TicketCreateArgs, plan: CreatePlan) {
    const row = await ticketsRepo.insertWithTrail(this.db, plan.rowValues, plan.createdAudit, plan.trail, { existing: 'fail' }).catch((e: unknown) => {
      throw (e as { code?: string; constraint?: string })?.code === '23505' && (e as { constraint?: string }).constraint === 'tickets_pkey' ? ticketExists() : e;
    });
    if (!row) throw ticketExists();
    return { view: createdView(args, plan, row), row };
  }

  /** Field edits merged field by field against what the user saw; all or nothing. */
  /**
   * `customFieldsChecked`: the caller validates the custom fields against the new type itself
   * (the REST PATCH, which may set the required fields in the same request).
   */
  async update(ctx: RequestContext, args: TicketUpdateArgs, t: MutationTiming, trx?: Kysely<DB>, opts: { customFieldsChecked?: boolean } = {}) {
    return this.#tx(trx, async (trx) => {
      const { ticket, sla } = await this.#loadForEdit(trx, ctx, args.id, Object.keys(args.set));
      if (!isAgent(ctx.actor)) throw new AppError('forbidden', 'You may not edit tickets');
      await this.#assertNotClosed(trx, ctx, ticket);
      const { changes, conflicts } = mergeEdits(ticket, args.set, args.base, TICKET_SET_FIELDS);
      if (conflicts.length) throw conflictError(conflicts, `ticket #${ticket.number}`);
      // A new type may require custom fields the ticket does not have: 400 naming them.
      const newType = changes.find((c) => c.field === 'type_id');
      if (newType && typeof newType.to === 'string' && !opts.customFieldsChecked) {
        const r = validateCustomFields(await lifecycleRepo.customFieldDefs(trx), newType.to, (ticket.custom_fields ?? {}) as Record<string, unknown>, {});
        if (r.problems.length) throw new AppError('validation', r.problems.map((p) => `${p.field}: ${p.message}`).join('; '), { fields: r.problems });
      }
      return this.#apply(trx, ctx, t, ticket, changes, 'ticket.update', sla);
    });
  }

  async assign(ctx: RequestContext, args: TicketAssignArgs, t: MutationTiming, trx?: Kysely<DB>) {
    return this.#tx(trx, async (trx) => {
      const { ticket, sla } = await this.#loadForEdit(trx, ctx, args.id, Object.keys(args.set));
      if (!can(ctx.actor, 'tickets.assign')) throw new AppError('forbidden', 'You may not assign tickets');
      await this.#assertNotClosed(trx, ctx, ticket);
      const { changes, conflicts } = mergeEdits(ticket, args.set, args.base);
      if (conflicts.length) throw conflictError(conflicts, `ticket #${ticket.number}`);
      const out = await this.#apply(trx, ctx, t, ticket, changes, 'ticket.assign', sla);
      const assignee = changes.find((c) => c.field === 'assignee_id')?.to;
      if (typeof assignee === 'string') {
        await notify(trx, ctx, {
          userId: assignee,
          type: 'ticket.assigned',
          title: `Ticket #${ticket.number} was assigned to you`,
          body: ticket.subject,
          link: `/tickets/${ticket.id}`,
          ticketId: ticket.id,
          data: { by: ctx.actor.name }
        });
      }
      return out;
    });
  }

  async #apply(trx: Kysely<DB>, ctx: RequestContext, t: MutationTiming, ticket: Locked, changes: FieldChange[], action: string, sla?: EditInputs) {
    const changed = changes.map((c) => c.field);
    if (!changes.length) return { id: ticket.id, changed };
    const set = Object.fromEntries(changes.map((c) => [c.field, c.field === 'description' ? nullIfEmpty(c.to) : c.to])) as Updateable<TicketsTable>;
    await this.#checkRefs(trx, set as Record<string, unknown>, ctx);
    const history = changes.map((c) => this.#history(ticket, ctx, t, { action: c.field === 'assignee_id' ? 'assigned' : 'updated', field: c.field, from: c.from, to: c.to, internal: TICKET_INTERNAL_FIELDS.includes(c.field) }));
    // Fields that move the clocks: plan them now and write them with the change (one UPDATE, one
    // change-log entry) instead of replaying after it. A new type needs its key: replayed after.
    const ahead = slaAhead(changed);
    const plan = ahead ? await planTicketEdit(trx, ticket.id, set as Parameters<typeof planTicketEdit>[2], timingOf(t), sla) : null;
    if (plan?.stale.length) await supersedeStale(trx, plan, t.serverTime);
    await ticketsRepo.updateWithTrail(trx, ticket.id, { ...set, ...(plan?.cols ?? {}), ...this.#touch(ctx, t) }, {
      history,
      audit: [
        auditRow(ctx, {
          action,
          entityType: 'ticket',
          entityId: ticket.id,
          before: Object.fromEntries(changes.map((c) => [c.field, c.from])),
          after: Object.fromEntries(changes.map((c) => [c.field, c.to]))
        })
      ],
      slaEvents: plan?.rows ?? []
    });
    if (ahead) slaSettled(ticket.id);
    return { id: ticket.id, changed };
  }

  /** A move through the workflow from the status the user saw; a status changed underneath is a conflict. */
  async setStatus(ctx: RequestContext, args: TicketSetStatusArgs, t: MutationTiming, trx?: Kysely<DB>) {
    return this.#tx(trx, async (trx) => {
      const ticket = await this.#load(trx, ctx, args.id);
      const who = isAgent(ctx.actor) ? 'agent' : ticket.requester_id === ctx.actor.id ? 'requester' : null;
      if (!who) throw new AppError('forbidden', 'You may not change the status of this ticket');
      const current = ticket.status as TicketStatus;
      // Someone already made the same move: the user's intent holds, nothing to do.
      if (current === args.status) return { id: ticket.id, status: current, changed: false };
      if (current !== args.base_status) {
        if (current === 'closed') await this.#assertNotClosed(trx, ctx, ticket, args.status);
        throw new AppError('conflict', `status: the ticket became ${current} after you saw it ${args.base_status}`, {
          fields: [conflictField('status', 'was changed by someone else since you saw it', { yours: args.status, theirs: current, base: args.base_status })],
          choices: ['keep_theirs', 'apply_mine'] satisfies ConflictChoice[]
        });
      }
      // The workflow is a setting (tickets.workflow), read through this transaction.
      const check = checkTransition(current, args.status, who, await readWorkflow(trx));
      if (!check.ok) throw new AppError(who === 'requester' ? 'forbidden' : 'validation', `status: ${check.reason}`, { fields: [{ field: 'status', message: check.reason }] });
      const patch = statusPatch(ticket, args.status, t.deviceTime, {
        reopen: check.reopen,
        waitingReason: args.waiting_reason,
        resolutionCode: args.resolution_code,
        resolutionNotes: args.resolution_notes
      });
      await ticketsRepo.update(trx, ticket.id, { ...patch, ...this.#touch(ctx, t) });
      await ticketsRepo.insertHistory(trx, [
        this.#history(ticket, ctx, t, { action: check.reopen ? 'reopened' : 'status_changed', field: 'status', from: current, to: args.status, internal: false })
      ]);
      await recordAudit(trx, ctx, {
        action: check.reopen ? 'ticket.reopen' : 'ticket.status',
        entityType: 'ticket',
        entityId: ticket.id,
        before: { status: current },
        after: { status: args.status, ...(patch.waiting_reason ? { waiting_reason: patch.waiting_reason } : {}), ...(patch.resolution_code ? { resolution_code: patch.resolution_code } : {}) }
      });
      for (const hook of this.afterStatusChange) await hook(trx, ctx, { id: ticket.id, from: current, to: args.status }); // kb
      if (args.status === 'resolved') await this.mailer?.ticketMail(trx, 'ticket.resolved', ticket.id);
      return { id: ticket.id, status: args.status, from: current, changed: true };
    });
  }

  /**
   * The merge's status move: closes `src` as a duplicate of `dst` through the status path (the
   * workflow's patch, a status_changed history row that moves the SLA clocks — they stop — and
   * the SLA sync before commit), with the merge columns. The caller (RelationsService.merge) has
   * locked both tickets and checked that the merge is allowed.
   */
  async closeMerged(
    ctx: RequestContext,
    src: { id: string; requester_id: string; status: string; resolved_at: Date | null; reopen_count: number },
    dst: { id: string; number: string | number },
    note: string | null,
    t: MutationTiming,
    trx: Kysely<DB>
  ) {
    return this.#tx(trx, async (trx) => {
      const patch = statusPatch({ ...src, status: src.status as TicketStatus }, 'closed', t.deviceTime, { reopen: false });
      await ticketsRepo.update(trx, src.id, {
        ...patch,
        waiting_reason: null,
        merged_into_id: dst.id,
        resolution_code: 'duplicate',
        resolution_notes: note ?? `Merged into #${dst.number}`,
        ...this.#touch(ctx, t)
      });
      await ticketsRepo.insertHistory(trx, [
        this.#history(src, ctx, t, { action: 'merged', field: 'merged_into_id', from: null, to: dst.id, internal: false }),
        this.#history(src, ctx, t, { action: 'status_changed', field: 'status', from: src.status, to: 'closed', internal: false })
      ]);
    });
  }

  /** Comments are appends: they always merge, except into a closed ticket. */
  async addComment(ctx: RequestContext, args: CommentAddArgs, t: MutationTiming, trx?: Kysely<DB>) {
    return this.#tx(trx, async (trx) => {
      const agent = isAgent(ctx.actor);
      const ticket = await ticketsRepo.touchForComment(trx, args.ticket_id, {
        at: t.serverTime,
        deviceTime: t.deviceTime,
        actorId: actorId(ctx),
        agentReply: agent && !args.internal,
        requesterReply: !agent
      });
      if (!ticket || !can(ctx.actor, 'tickets.read', { requesterId: ticket.requester_id })) {
        throw new AppError('not_found', 'ticket_id: no such ticket', { fields: [{ field: 'ticket_id', message: 'no such ticket' }] });
      }
      if (args.internal && !can(ctx.actor, 'comments.internal')) {
        throw new AppError('forbidden', 'internal: you may not post internal notes', { fields: [{ field: 'internal', message: 'you may not post internal notes' }] });
      }
      await this.#assertNotClosed(trx, ctx, ticket);
      const attachments = args.attachments ?? [];
      const withFiles = attachments.length ? { attachments } : {};
      // The comment, its history row and its audit entry in one statement.
      const row = await ticketsRepo.insertCommentWithTrail(
        trx,
        {
          id: args.id,
          ticket_id: ticket.id,
          requester_id: ticket.requester_id,
          internal: args.internal,
          author_id: actorId(ctx),
          author_type: agent ? 'agent' : 'requester',
          body: args.body,
          body_format: 'markdown',
          source: agent ? 'web' : 'portal',
          time_spent_minutes: args.time_spent_minutes ?? null,
          client_created_at: t.deviceTime,
          created_at: t.serverTime,
          updated_at: t.serverTime,
          created_by: actorId(ctx),
          updated_by: actorId(ctx)
        },
        {
          history: [
            this.#history(ticket, ctx, t, { action: 'commented', to: { comment_id: args.id, internal: args.internal, ...withFiles }, internal: args.internal, firstResponse: answeredBy(ticket, t) })
          ],
          audit: [
            auditRow(ctx, {
              action: args.internal ? 'comment.add_internal' : 'comment.add',
              entityType: 'ticket_comment',
              entityId: args.id,
              before: null,
              after: { ticket_id: ticket.id, internal: args.internal, length: args.body.length, ...withFiles }
            })
          ]
        }
      );
      if (!row) throw new AppError('conflict', 'id: a comment with this id already exists', { fields: [{ field: 'id', message: 'already exists' }], choices: ['discard'] });
      if (attachments.length) {
        if (!this.files) throw new AppError('unavailable', 'attachments: file storage is not available');
        await this.files.attachToComment(trx, ctx, { fileIds: attachments, ticketId: ticket.id, commentId: args.id, clientTime: t.deviceTime });
      }
      const link = `/tickets/${ticket.id}`;
      // An agent's public reply goes to the requester as ticket mail (threaded, with the reply
      // address): their notification stays in-app only, so they get one email, not two.
      const mailed = agent && !args.internal && ticket.requester_id !== ctx.actor.id && !!(await this.mailer?.ticketMail(trx, 'ticket.reply', ticket.id, { body: args.body, authorId: actorId(ctx), commentId: args.id }));
      if (!args.internal) {
        await notify(trx, ctx, { userId: ticket.requester_id, type: 'comment.added', title: `New reply on ticket #${ticket.number}`, body: ticket.subject, link, ticketId: ticket.id, email: !mailed });
      }
      if (ticket.assignee_id && ticket.assignee_id !== ticket.requester_id) {
        await notify(trx, ctx, {
          userId: ticket.assignee_id,
          type: 'comment.added',
          title: `${args.internal ? 'Internal note' : 'New comment'} on ticket #${ticket.number}`,
          body: ticket.subject,
          link,
          ticketId: ticket.id
        });
      }
      return { id: args.id, ticket_id: ticket.id, internal: args.internal, ...withFiles };
    });
  }

  // ─── Email channel (issue 6) ────────────────────────────────────────────────────────────
  // The acting user is the sender (a Requester created on first contact, or an agent), with
  // source 'email'. The caller (the ingest pipeline) passes its transaction, in which it also
  // records the message and the mailbox watermark: a ticket and its message commit together.

  /** A new ticket from an inbound email; the sender is the requester. */
  async createFromEmail(
    ctx: RequestContext,
    args: { id: string; subject: string; description: string; descriptionHtml: string | null; ccEmails: string[]; typeId?: string | null; teamId?: string | null },
    t: MutationTiming,
    trx: Kysely<DB>
  ) {
    if (!can(ctx.actor, 'tickets.create')) throw new AppError('forbidden', 'You may not create tickets');
    // The mailbox's policy names the type and team; one that has since been deleted is ignored.
    const type = args.typeId ? await ticketsRepo.typeExists(trx, args.typeId) : undefined;
    const team = args.teamId ? await ticketsRepo.teamExists(trx, args.teamId) : undefined;
    const createArgs: TicketCreateArgs = { id: args.id, subject: args.subject, description: args.description || null, type_id: type ? type.id : null };
    // Planned and written like every new ticket: automatic assignment, SLA clocks, history, audit,
    // notifications and creation hooks, in the ingest's transaction.
    const plan = await this.#planCreate(trx, trx, ctx, createArgs, t, {
      source: 'email',
      type: type || undefined,
      channelTeamId: team ? team.id : null,
      channelColumns: { description_html: args.descriptionHtml, cc_emails: args.ccEmails, last_requester_reply_at: t.deviceTime }
    }, ctx.actor.id);
    return (await this.#writeCreate(trx, ctx, createArgs, plan)).view;
  }

  /**
   * A reply by email on a ticket. Allowed for whoever may read the ticket, and for a sender the
   * thread itself vouches for (`verifiedThread`: our Message-ID or signed reply address matched)
   * or who is copied on the ticket. The ticket must not be closed (the caller applies the
   * closed-ticket policy first).
   */
  async addEmailComment(
    ctx: RequestContext,
    args: { id: string; ticketId: string; body: string; bodyHtml: string | null; emailMessageId: string; verifiedThread: boolean },
    t: MutationTiming,
    trx: Kysely<DB>
  ) {
    const agent = isAgent(ctx.actor);
    const ticket = await ticketsRepo.touchForComment(trx, args.ticketId, { at: t.serverTime, deviceTime: t.deviceTime, actorId: actorId(ctx), agentReply: agent, requesterReply: !agent });
    if (!ticket) throw new AppError('not_found', 'ticket_id: no such ticket', { fields: [{ field: 'ticket_id', message: 'no such ticket' }] });
    const cc = (await ticketsEmailRepo.byId(trx, ticket.id))?.cc_emails ?? [];
    if (!can(ctx.actor, 'tickets.read', { requesterId: ticket.requester_id }) && !args.verifiedThread && !cc.includes(ctx.actor.email.toLowerCase())) {
      throw new AppError('forbidden', 'You may not reply to this ticket');
    }
    await this.#assertNotClosed(trx, ctx, ticket);
    const row = await ticketsRepo.insertComment(trx, {
      id: args.id,
      ticket_id: ticket.id,
      requester_id: ticket.requester_id,
      internal: false,
      author_id: actorId(ctx),
      author_type: agent ? 'agent' : 'requester',
      body: args.body,
      body_html: args.bodyHtml,
      body_format: 'plain',
      source: 'email',
      email_message_id: args.emailMessageId,
      client_created_at: t.deviceTime,
      created_at: t.serverTime,
      updated_at: t.serverTime,
      created_by: actorId(ctx),
      updated_by: actorId(ctx)
    });
    if (!row) throw new AppError('conflict', 'id: a comment with this id already exists', { fields: [{ field: 'id', message: 'already exists' }] });
    await ticketsRepo.insertHistory(trx, [this.#history(ticket, ctx, t, { action: 'commented', to: { comment_id: args.id, internal: false }, internal: false, firstResponse: answeredBy(ticket, t) })]);
    const link = `/tickets/${ticket.id}`;
    if (ticket.requester_id !== ctx.actor.id) {
      const mailed = agent && !!(await this.mailer?.ticketMail(trx, 'ticket.reply', ticket.id, { body: args.body, authorId: actorId(ctx), commentId: args.id }));
      await notify(trx, ctx, { userId: ticket.requester_id, type: 'comment.added', title: `New reply on ticket #${ticket.number}`, body: ticket.subject, link, ticketId: ticket.id, email: !mailed });
    }
    if (ticket.assignee_id && ticket.assignee_id !== ctx.actor.id) {
      await notify(trx, ctx, { userId: ticket.assignee_id, type: 'comment.added', title: `New email reply on ticket #${ticket.number}`, body: ticket.subject, link, ticketId: ticket.id });
    }
    await recordAudit(trx, ctx, { action: 'comment.add', entityType: 'ticket_comment', entityId: args.id, before: null, after: { ticket_id: ticket.id, internal: false, length: args.body.length } });
    return { id: args.id, ticket_id: ticket.id, number: Number(ticket.number) };
  }

  /** A reply reopens a resolved ticket, and a closed one when the mailbox's policy says so. */
  async reopenFromEmail(ctx: RequestContext, ticketId: string, t: MutationTiming, trx: Kysely<DB>) {
    const ticket = await ticketsRepo.lockForWrite(trx, ticketId);
    if (!ticket) throw new AppError('not_found', 'ticket_id: no such ticket');
    const current = ticket.status as TicketStatus;
    if (current !== 'resolved' && current !== 'closed') return { id: ticket.id, changed: false };
    const patch = statusPatch(ticket, 'in_progress', t.deviceTime, { reopen: true });
    await ticketsRepo.update(trx, ticket.id, { ...patch, ...this.#touch(ctx, t) });
    await ticketsRepo.insertHistory(trx, [this.#history(ticket, ctx, t, { action: 'reopened', field: 'status', from: current, to: 'in_progress', internal: false })]);
    await recordAudit(trx, ctx, { action: 'ticket.reopen', entityType: 'ticket', entityId: ticket.id, before: { status: current }, after: { status: 'in_progress', via: 'email' } });
    return { id: ticket.id, changed: true };
  }

  /** Links a ticket created from a reply to a closed ticket back to it ("follow-up of"). */
  async linkEmailFollowUp(ctx: RequestContext, ticketId: string, previousTicketId: string, t: MutationTiming, trx: Kysely<DB>) {
    await ticketsEmailRepo.insertLink(trx, { ticket_id: ticketId, linked_ticket_id: previousTicketId, kind: 'follow_up_of', created_by: actorId(ctx) });
    await ticketsRepo.insertHistory(trx, [this.#history({ id: ticketId, requester_id: ctx.actor.id }, ctx, t, { action: 'linked', to: { kind: 'follow_up_of', ticket_id: previousTicketId }, internal: false })]);
  }
}
