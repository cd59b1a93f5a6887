// Agent work on a ticket: time entries, canned responses / macros, and the satisfaction survey
// after resolution (signed, expiring, one-time link; public page /survey/<token>).
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { DB } from '../db/schema';
import type { RequestContext } from '../context';
import type { TicketsService } from './service';
import { lifecycleRepo } from './lifecycle-repository';
import { ticketsRepo } from './repository';
import { recordAudit } from '../audit/service';
import { notify } from '../notifications/service';
import { AppError } from '$lib/domain/common/errors';
import { can } from '$lib/domain/auth/permissions';
import type { MutationTiming } from '$lib/domain/mutations/clock';
import { MacroActions, applyTagActions, renderCanned } from '$lib/domain/tickets/lifecycle';
import type { MacroApplyArgs, TimeEntryAddArgs } from '$lib/domain/tickets/api';
import type { TicketStatus } from '$lib/domain/tickets/schemas';
import { actorId, historyRow, invalid, isAgent, loadVisible, readSurvey, tx } from './lifecycle-common';
import type { SurveyTokens } from './survey-token';

const badToken = () => new AppError('not_found', 'token: this survey link is not valid', { fields: [{ field: 'token', message: 'is not valid' }] });

export class TicketWorkService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly tickets: TicketsService,
    private readonly tokens: SurveyTokens
  ) {}

  /** Logs minutes of work by the acting agent; appends always merge (also on closed tickets: work is often logged after). */
  async addTimeEntry(ctx: RequestContext, a: TimeEntryAddArgs, t: MutationTiming, trx?: Kysely<DB>) {
    if (!isAgent(ctx.actor)) throw new AppError('forbidden', 'You may not log time on tickets');
    return tx(this.db, trx, async (trx) => {
      const ticket = await loadVisible(trx, ctx, a.ticket_id, 'ticket_id');
      const row = await lifecycleRepo.insertTimeEntry(trx, {
        id: a.id,
        ticket_id: ticket.id,
        agent_id: ctx.actor.id,
        minutes: a.minutes,
        note: a.note ?? null,
        work_date: a.work_date ?? t.deviceTime.toISOString().slice(0, 10),
        mutation_id: t.mutationId,
        device_time: t.deviceTime,
        created_at: t.serverTime,
        updated_at: t.serverTime
      });
      if (!row) throw new AppError('conflict', 'id: a time entry with this id already exists', { fields: [{ field: 'id', message: 'already exists' }], choices: ['discard'] });
      await ticketsRepo.insertHistory(trx, [historyRow(ticket, ctx, t, { action: 'time_logged', field: 'time_entries', to: { id: a.id, minutes: a.minutes }, internal: true })]);
      await recordAudit(trx, ctx, { action: 'ticket.time_entry', entityType: 'ticket', entityId: ticket.id, after: { entry: a.id, minutes: a.minutes } });
      const total = (await lifecycleRepo.timeEntries(trx, ticket.id)).reduce((s, e) => s + e.minutes, 0);
      return { id: a.id, ticket_id: ticket.id, minutes: a.minutes, total_minutes: total };
    });
  }

  /** Applies a macro: its text as a reply or internal note, then its field changes, status last (through the workflow). */
  async applyMacro(ctx: RequestContext, a: MacroApplyArgs, t: MutationTiming, trx?: Kysely<DB>) {
    if (!isAgent(ctx.actor)) throw new AppError('forbidden', 'You may not apply macros');
    return tx(this.db, trx, async (trx) => {
      const macro = await lifecycleRepo.macro(trx, a.macro_id);
      if (!macro) throw new AppError('not_found', 'macro_id: no such canned response', { fields: [{ field: 'macro_id', message: 'no such canned response' }] });
      const parsed = MacroActions.safeParse(macro.actions);
      if (!parsed.success) throw invalid('macro_id', 'this canned response has invalid actions; an admin must fix it');
      const act = parsed.data;
      const ticket = await loadVisible(trx, ctx, a.ticket_id, 'ticket_id');
      const changed: string[] = [];
      let commentId: string | null = null;
      if (macro.body.trim()) {
        const requester = await lifecycleRepo.userName(trx, ticket.requester_id);
        const body = renderCanned(macro.body, { 'ticket.number': Number(ticket.number), 'ticket.subject': ticket.subject, 'requester.name': requester?.name, 'agent.name': ctx.actor.name });
        commentId = a.comment_id ?? uuidv7();
        await this.tickets.addComment(ctx, { id: commentId, ticket_id: ticket.id, body, internal: macro.internal }, t, trx);
      }
      const set: Record<string, unknown> = {};
      for (const k of ['priority', 'type_id', 'category_id'] as const) if (act[k] !== undefined) set[k] = act[k];
      if (act.team_id !== undefined && act.assignee_id === undefined) set.team_id = act.team_id;
      if (act.tags_add || act.tags_remove) set.tags = applyTagActions(ticket.tags, act);
      if (Object.keys(set).length) {
        const base = Object.fromEntries(Object.keys(set).map((k) => [k, ticket[k as keyof typeof ticket]]));
        changed.push(...(await this.tickets.update(ctx, { id: ticket.id, set, base } as never, t, trx)).changed);
      }
      if (act.assignee_id !== undefined) {
        const s: { assignee_id: string | null; team_id?: string | null } = { assignee_id: act.assignee_id };
        if (act.team_id !== undefined) s.team_id = act.team_id;
        changed.push(...(await this.tickets.assign(ctx, { id: ticket.id, set: s, base: { assignee_id: ticket.assignee_id, team_id: ticket.team_id } }, t, trx)).changed);
      }
      if (act.status && act.status !== ticket.status) {
        await this.tickets.setStatus(ctx, { id: ticket.id, status: act.status, base_status: ticket.status as TicketStatus }, t, trx);
        changed.push('status');
        if (act.status === 'resolved') await this.issueSurvey(trx, ctx, ticket.id);
      }
      await ticketsRepo.insertHistory(trx, [historyRow(ticket, ctx, t, { action: 'macro_applied', field: null, to: { macro_id: macro.id, title: macro.title, comment_id: commentId, changed }, internal: true })]);
      await recordAudit(trx, ctx, { action: 'ticket.macro', entityType: 'ticket', entityId: ticket.id, after: { macro_id: macro.id, changed } });
      return { ticket_id: ticket.id, macro_id: macro.id, comment_id: commentId, changed };
    });
  }

  /**
   * Starts a satisfaction survey for a resolved ticket (when surveys are on) and notifies the
   * requester with the link. Runs in the resolving transaction. Returns the link, or null when off.
   */
  async issueSurvey(trx: Kysely<DB>, ctx: RequestContext, ticketId: string, origin = '') {
    const setting = await readSurvey(trx);
    if (!setting.enabled) return null;
    const ticket = await lifecycleRepo.lock(trx, ticketId);
    if (!ticket || !['resolved', 'closed'].includes(ticket.status)) throw new AppError('conflict', 'status: a survey starts once the ticket is resolved', { fields: [{ field: 'status', message: 'the ticket is not resolved' }] });
    const row = await lifecycleRepo.insertSurvey(trx, { ticket_id: ticket.id, requester_id: ticket.requester_id, expires_at: new Date(Date.now() + setting.ttlSeconds * 1000), created_by: actorId(ctx) });
    const token = this.tokens.sign(row.id, row.expires_at);
    const path = `/survey/${token}`;
    await notify(trx, ctx, { userId: ticket.requester_id, type: 'ticket.survey', title: `How did we do on ticket #${ticket.number}?`, body: ticket.subject, link: path, ticketId: ticket.id });
    // Email issue: the survey link goes to the requester by mail too, threaded with the ticket.
    await this.tickets.mailer?.ticketMail(trx, 'ticket.survey', ticket.id, { surveyUrl: path });
    return { url: `${origin}${path}`, token, expires_at: new Date(Math.floor(row.expires_at.getTime() / 1000) * 1000).toISOString() };
  }

  /** A fresh survey link for a resolved ticket: for its requester or the service desk. */
  async surveyLink(ctx: RequestContext, ticketId: string, origin: string) {
    return this.db.transaction().execute(async (trx) => {
      const ticket = await loadVisible(trx, ctx, ticketId);
      if (!isAgent(ctx.actor) && ticket.requester_id !== ctx.actor.id) throw new AppError('forbidden', 'You may not ask for this survey link');
      const link = await this.issueSurvey(trx, ctx, ticket.id, origin);
      if (!link) throw new AppError('conflict', 'Satisfaction surveys are turned off');
      return link;
    });
  }

  async #verified(trx: Kysely<DB>, token: string) {
    const v = this.tokens.verify(token);
    if (!v) throw badToken();
    const s = await lifecycleRepo.surveyForUpdate(trx, v.surveyId);
    if (!s) throw badToken();
    return { s, expiresAt: v.expiresAt };
  }

  /** What the public survey page shows; no sign-in, the signed token is the credential. */
  async surveyInfo(token: string) {
    const { s, expiresAt } = await this.#verified(this.db, token);
    return { ticket_number: Number(s.number), subject: s.subject, answered: s.answered_at !== null, expires_at: expiresAt.toISOString(), expired: expiresAt.getTime() <= Date.now() };
  }

  /** Records the answer once; an expired link is refused, a second answer is a conflict. */
  async answerSurvey(token: string, body: { rating: number; comment?: string }, client: { ip?: string | null; userAgent?: string | null }) {
    return this.db.transaction().execute(async (trx) => {
      const { s, expiresAt } = await this.#verified(trx, token);
      if (expiresAt.getTime() <= Date.now()) throw new AppError('validation', 'token: this survey link has expired', { fields: [{ field: 'token', message: 'has expired' }] });
      if (s.answered_at) throw new AppError('conflict', 'token: this survey was already answered; thank you', { fields: [{ field: 'token', message: 'was already used' }] });
      const now = new Date();
      const comment = body.comment?.trim() || null;
      if (!(await lifecycleRepo.answerSurvey(trx, s.id, body.rating, comment, now))) throw new AppError('conflict', 'token: this survey was already answered', { fields: [{ field: 'token', message: 'was already used' }] });
      await ticketsRepo.update(trx, s.ticket_id, { satisfaction_rating: body.rating, satisfaction_comment: comment, satisfaction_at: now });
      const ctx: RequestContext = {
        actor: { id: s.requester_id, email: '', name: '', roles: [], permissions: new Set(), via: 'bearer' },
        source: 'web',
        ip: client.ip,
        userAgent: client.userAgent
      };
      const t = { serverTime: now, clientTime: now, deviceTime: now, mutationId: null };
      await ticketsRepo.insertHistory(trx, [historyRow({ id: s.ticket_id, requester_id: s.requester_id }, ctx, t, { action: 'satisfaction', field: 'satisfaction_rating', to: { rating: body.rating, comment: comment !== null }, internal: false })]);
      await recordAudit(trx, ctx, { action: 'ticket.survey', entityType: 'ticket', entityId: s.ticket_id, after: { rating: body.rating } });
      return { ticket_number: Number(s.number), rating: body.rating };
    });
  }

  /** Whether the actor may see time entries: agents. */
  static canSeeTime(ctx: RequestContext) {
    return can(ctx.actor, 'tickets.update');
  }
}
