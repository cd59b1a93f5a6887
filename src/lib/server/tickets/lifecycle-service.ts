// The ticket REST API's service: list (scoped like the sync shapes: staff all live tickets,
// portal users their own), detail with what the caller may see, create and patch. Create and
// patch reuse TicketsService (create, update, assign, setStatus) inside one transaction, so the
// rules, history and audit of the mutation path apply; what only the API edits (impact, urgency,
// custom fields, parent, tags at creation) is written here with its own history rows.
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { DB } from '../db/schema';
import type { RequestContext } from '../context';
import type { TicketsService } from './service';
import { lifecycleRepo, type ListFilter } from './lifecycle-repository';
import { ticketsRepo } from './repository';
import { recordAudit } from '../audit/service';
import { AppError } from '$lib/domain/common/errors';
import { can } from '$lib/domain/auth/permissions';
import { onlineTiming, type MutationTiming } from '$lib/domain/mutations/clock';
import { DEFAULT_PRIORITY_MATRIX, initialPriority, priorityFromMatrix, validateCustomFields, STORED_TO_LINK, type Level } from '$lib/domain/tickets/lifecycle';
import type { TicketCreateBody, TicketListQuery, TicketPatchBody, TicketView } from '$lib/domain/tickets/api';
import type { TicketStatus } from '$lib/domain/tickets/schemas';
import { actorId, forbidden, historyRow, invalid, isAgent, loadVisible, notFound, readMatrix, type LockedTicket } from './lifecycle-common';
import type { RelationsService } from './relations-service';
import type { TicketWorkService } from './work-service';
import type { SettingsService } from '../settings/service';
import { slaWrite } from '../sla/hook';

type ViewRow = NonNullable<Awaited<ReturnType<typeof lifecycleRepo.get>>>;
const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function ticketView(r: ViewRow): TicketView {
  return {
    id: r.id,
    number: Number(r.number),
    subject: r.subject,
    description: r.description,
    status: r.status,
    priority: r.priority,
    impact: r.impact,
    urgency: r.urgency,
    type_id: r.type_id,
    type: r.type_key ?? null,
    category_id: r.category_id,
    category: r.category_name ?? null,
    tags: r.tags,
    custom_fields: r.custom_fields ?? {},
    requester_id: r.requester_id,
    assignee_id: r.assignee_id,
    team_id: r.team_id,
    source: r.source,
    parent_id: r.parent_id,
    merged_into_id: r.merged_into_id,
    waiting_reason: r.waiting_reason,
    resolution_code: r.resolution_code,
    satisfaction_rating: r.satisfaction_rating,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    resolved_at: iso(r.resolved_at),
    closed_at: iso(r.closed_at)
  };
}

const SORT_COLUMN = { created_at: 'created_at', updated_at: 'updated_at', priority: 'priority_rank', number: 'number' } as const;
const encodeCursor = (v: string, id: string, sort: string) => Buffer.from(JSON.stringify([v, id, sort])).toString('base64url');
function decodeCursor(c: string, sort: string) {
  try {
    const [v, id, s] = JSON.parse(Buffer.from(c, 'base64url').toString()) as [string, string, string];
    if (typeof v === 'string' && /^[0-9a-f-]{36}$/.test(id) && s === sort) return { v, id };
  } catch {
    /* fall through */
  }
  throw invalid('cursor', 'is not a cursor of this list (it belongs to another sort, or is malformed)');
}

/** Fields only the service desk may set; portal users get 403 naming the field. */
const AGENT_ONLY_CREATE = ['assignee_id', 'team_id', 'tags', 'parent_id'] as const;

export class TicketLifecycleService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly tickets: TicketsService,
    private readonly relations: RelationsService,
    private readonly work: TicketWorkService,
    /** Settings through the per-process cache (read before a transaction opens); without it, through the transaction. */
    private readonly settings?: SettingsService
  ) {}

  /** A keyset page, scoped: `tickets.read.all` sees every live ticket, `tickets.read.own` only their own. */
  async list(ctx: RequestContext, q: TicketListQuery) {
    const all = can(ctx.actor, 'tickets.read.all');
    if (!all && !can(ctx.actor, 'tickets.read.own')) throw new AppError('forbidden', 'You may not read tickets');
    const desc = q.sort.startsWith('-');
    const key = q.sort.replace(/^-/, '') as keyof typeof SORT_COLUMN;
    let typeId: string | undefined;
    if (q.type) {
      const ty = await lifecycleRepo.typeByKeyOrId(this.db, q.type);
      if (!ty) return { items: [], nextCursor: null };
      typeId = ty.id;
    }
    const f: ListFilter = {
      scopeRequesterId: all ? null : ctx.actor.id,
      status: q.status,
      priority: q.priority,
      assignee: q.assignee_id === undefined ? undefined : q.assignee_id === 'none' ? null : q.assignee_id === 'me' ? ctx.actor.id : q.assignee_id,
      team: q.team_id === undefined ? undefined : q.team_id === 'none' ? null : q.team_id,
      requesterId: q.requester_id === 'me' ? ctx.actor.id : q.requester_id,
      typeId,
      categoryId: q.category,
      tag: q.tag,
      q: q.q,
      sort: { column: SORT_COLUMN[key], desc },
      after: q.cursor ? decodeCursor(q.cursor, q.sort) : undefined,
      limit: q.limit + 1
    };
    const rows = await lifecycleRepo.list(this.db, f);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return { items: page.map(ticketView), nextCursor: rows.length > q.limit && last ? encodeCursor(last.sort_value, last.id, q.sort) : null };
  }

  /** One ticket with the comments, links, history (and, for agents, time) the caller may see; 404 for anyone else's. */
  async get(ctx: RequestContext, id: string) {
    const row = await lifecycleRepo.get(this.db, id);
    if (!row || !can(ctx.actor, 'tickets.read', { requesterId: row.requester_id })) throw notFound();
    const agent = isAgent(ctx.actor);
    const [comments, links, children, history, time] = await Promise.all([
      lifecycleRepo.comments(this.db, id, agent && can(ctx.actor, 'comments.internal')),
      lifecycleRepo.links(this.db, id),
      lifecycleRepo.children(this.db, id),
      lifecycleRepo.history(this.db, id, agent),
      agent ? lifecycleRepo.timeEntries(this.db, id) : Promise.resolve(null)
    ]);
    return {
      ...ticketView(row),
      comments: comments.map((c) => ({ ...c, created_at: c.created_at.toISOString() })),
      links: (agent ? links : []).map((l) => ({
        id: l.id,
        kind: STORED_TO_LINK[l.kind],
        direction: l.ticket_id === id ? ('outgoing' as const) : ('incoming' as const),
        ticket_id: l.other_id,
        number: Number(l.number),
        subject: l.subject,
        status: l.status
      })),
      children: agent ? children.map((c) => ({ ...c, number: Number(c.number) })) : [],
      history: history.map((h) => ({ ...h, device_time: iso(h.device_time), created_at: h.created_at.toISOString() })),
      ...(time ? { time: { total_minutes: time.reduce((s, e) => s + e.minutes, 0), entries: time.map((e) => ({ ...e, created_at: e.created_at.toISOString() })) } } : {})
    };
  }

  async #resolveType(trx: Kysely<DB>, v: string | null | undefined) {
    if (v === undefined) return undefined;
    if (v === null) return null;
    const ty = await lifecycleRepo.typeByKeyOrId(trx, v);
    if (!ty) throw invalid('type', 'no such ticket type');
    return ty;
  }

  /** Custom fields, impact, urgency: written here with a history row per field. */
  async #writeExtras(
    trx: Kysely<DB>,
    ctx: RequestContext,
    t: MutationTiming,
    ticket: LockedTicket,
    set: { impact?: Level; urgency?: Level; tags?: string[]; custom_fields?: Record<string, unknown>; source?: 'api' }
  ) {
    const changes = (Object.entries(set) as [keyof typeof set, unknown][]).filter(([k, v]) => v !== undefined && JSON.stringify(v) !== JSON.stringify(ticket[k as keyof LockedTicket]));
    if (!changes.length) return [];
    const values = Object.fromEntries(changes.map(([k, v]) => [k, k === 'custom_fields' ? JSON.stringify(v) : v]));
    await ticketsRepo.update(trx, ticket.id, { ...values, updated_by: actorId(ctx), updated_at: t.serverTime, client_updated_at: t.deviceTime, last_activity_at: t.serverTime });
    const hist = changes.filter(([k]) => k !== 'source');
    await ticketsRepo.insertHistory(
      trx,
      hist.map(([k, v]) => historyRow(ticket, ctx, t, { action: 'updated', field: k, from: ticket[k as keyof LockedTicket] ?? null, to: v, internal: k === 'custom_fields' || k === 'tags' }))
    );
    if (hist.length) {
      await recordAudit(trx, ctx, {
        action: 'ticket.update',
        entityType: 'ticket',
        entityId: ticket.id,
        before: Object.fromEntries(hist.map(([k]) => [k, ticket[k as keyof LockedTicket] ?? null])),
        after: Object.fromEntries(hist)
      });
    }
    return hist.map(([k]) => k);
  }

  async #customFields(trx: Kysely<DB>, ctx: RequestContext, typeId: string | null, current: Record<string, unknown>, patch: Record<string, unknown>) {
    const defs = await lifecycleRepo.customFieldDefs(trx);
    if (!isAgent(ctx.actor)) {
      for (const k of Object.keys(patch)) if (!defs.some((d) => d.key === k && d.portal_visible)) throw forbidden(`custom_fields.${k}`, 'only the service desk may set this field');
    }
    const r = validateCustomFields(defs, typeId, current, patch);
    if (r.problems.length) throw new AppError('validation', r.problems.map((p) => `${p.field}: ${p.message}`).join('; '), { fields: r.problems });
    return r.value;
  }

  /** Creates a ticket from the API: the TicketsService create plus what the API may set besides. */
  async create(ctx: RequestContext, body: TicketCreateBody, t: MutationTiming = onlineTiming()) {
    if (!isAgent(ctx.actor)) for (const f of AGENT_ONLY_CREATE) if (body[f] !== undefined) throw forbidden(f, 'only the service desk may set this field');
    const id = uuidv7();
    // The matrix is read only when it can decide (impact or urgency given, no priority), from the
    // settings cache before the transaction opens (one round trip less per create).
    const needMatrix = !body.priority && (body.impact || body.urgency);
    const cachedMatrix = needMatrix && this.settings ? ((await this.settings.get('tickets.priorityMatrix')) ?? DEFAULT_PRIORITY_MATRIX) : null;
    // Everything the API sets is written with the row (TicketsService.createTicket): one insert,
    // one statement for its history, audit and SLA events. Without a parent to set, the reads
    // here (type, custom field definitions: plain reads, which see nothing more inside a
    // transaction under READ COMMITTED) go to the pool and createTicket opens a transaction only
    // if it needs one — usually the insert is the only write and runs alone. With a parent, one
    // transaction for both writes; slaWrite: the parent write that moves a clock is synced at the end.
    const write = async (trx: Kysely<DB> | undefined) => {
      const db = trx ?? this.db;
      const type = await this.#resolveType(db, body.type);
      const matrix = !needMatrix ? DEFAULT_PRIORITY_MATRIX : (cachedMatrix ?? (await readMatrix(db)));
      const priority = initialPriority({ priority: body.priority, impact: body.impact, urgency: body.urgency, typeDefault: type?.default_priority ?? null, matrix });
      // Definitions matter only when values are given or the type may require some.
      const custom = body.custom_fields || type ? await this.#customFields(db, ctx, type?.id ?? null, {}, body.custom_fields ?? {}) : {};
      const { row } = await this.tickets.createTicket(
        ctx,
        { id, subject: body.subject, description: body.description ?? null, priority, type_id: type?.id ?? null, category_id: body.category ?? null, requester_id: body.requester_id },
        t,
        trx,
        {
          impact: body.impact,
          urgency: body.urgency,
          tags: body.tags?.length ? body.tags : undefined,
          custom_fields: Object.keys(custom).length ? custom : undefined,
          source: ctx.source === 'api' ? 'api' : undefined,
          assignee_id: body.assignee_id,
          team_id: body.team_id,
          type: type ?? undefined
        }
      );
      if (trx && body.parent_id) {
        await this.relations.setParent(ctx, { id, parent_id: body.parent_id }, t, trx);
        return null;
      }
      return { ...row, type_key: type?.key ?? null };
    };
    const row = body.parent_id ? await this.db.transaction().execute((trx) => slaWrite(trx, () => write(trx))) : await write(undefined);
    // The inserted row is the answer, except when a category (its name) or a parent (a second write) is involved.
    if (row && !body.category) return ticketView({ ...row, category_name: null } as ViewRow);
    return ticketView((await lifecycleRepo.get(this.db, id))!);
  }

  /**
   * Edits a ticket. Last writer wins (the API is online: the base of each edit is the current
   * value). All or nothing: one refused field rolls back the whole patch. Portal users may only
   * move the status of their own ticket (as the workflow lets requesters).
   */
  async patch(ctx: RequestContext, id: string, body: TicketPatchBody, t: MutationTiming = onlineTiming()) {
    await this.db.transaction().execute(async (trx) => {
      const cur = await loadVisible(trx, ctx, id);
      const agent = isAgent(ctx.actor);
      if (!agent) {
        const other = Object.keys(body).find((k) => !['status', 'resolution_code', 'resolution_notes'].includes(k));
        if (other) throw forbidden(other, 'only the service desk may change this field');
      }
      const reopening = body.status !== undefined && cur.status === 'closed';
      if (reopening) await this.#status(trx, ctx, t, cur, body);

      const type = await this.#resolveType(trx, body.type);
      const set: Record<string, unknown> = {};
      for (const k of ['subject', 'description', 'priority', 'tags'] as const) if (body[k] !== undefined) set[k] = body[k];
      if (type !== undefined) set.type_id = type?.id ?? null;
      if (body.category !== undefined) set.category_id = body.category;
      if (body.team_id !== undefined && body.assignee_id === undefined) set.team_id = body.team_id;
      // Impact or urgency changed without an explicit priority: the matrix decides.
      if (body.priority === undefined && (body.impact || body.urgency)) {
        const p = priorityFromMatrix(await readMatrix(trx), body.impact ?? (cur.impact as Level), body.urgency ?? (cur.urgency as Level));
        if (p && p !== cur.priority) set.priority = p;
      }
      if (Object.keys(set).length) {
        const base = Object.fromEntries(Object.keys(set).map((k) => [k, cur[k as keyof LockedTicket]]));
        await this.tickets.update(ctx, { id, set, base } as never, t, trx, { customFieldsChecked: true });
      }
      const typeId = type === undefined ? cur.type_id : (type?.id ?? null);
      const custom = await this.#customFields(trx, ctx, typeId, cur.custom_fields ?? {}, body.custom_fields ?? {});
      await this.#writeExtras(trx, ctx, t, cur, { impact: body.impact, urgency: body.urgency, custom_fields: body.custom_fields || typeId !== cur.type_id ? custom : undefined });
      if (body.assignee_id !== undefined) {
        const s: { assignee_id: string | null; team_id?: string | null } = { assignee_id: body.assignee_id };
        if (body.team_id !== undefined) s.team_id = body.team_id;
        await this.tickets.assign(ctx, { id, set: s, base: { assignee_id: cur.assignee_id, team_id: cur.team_id } }, t, trx);
      }
      if (body.parent_id !== undefined) await this.relations.setParent(ctx, { id, parent_id: body.parent_id }, t, trx);
      if (body.status !== undefined && !reopening) await this.#status(trx, ctx, t, cur, body);
      if (body.status === 'resolved' && cur.status !== 'resolved') await this.work.issueSurvey(trx, ctx, id);
    });
    return ticketView((await lifecycleRepo.get(this.db, id))!);
  }

  async #status(trx: Kysely<DB>, ctx: RequestContext, t: MutationTiming, cur: LockedTicket, body: TicketPatchBody) {
    await this.tickets.setStatus(
      ctx,
      {
        id: cur.id,
        status: body.status as TicketStatus,
        base_status: cur.status as TicketStatus,
        waiting_reason: body.waiting_reason,
        resolution_code: body.resolution_code,
        resolution_notes: body.resolution_notes
      },
      t,
      trx
    );
  }
}

