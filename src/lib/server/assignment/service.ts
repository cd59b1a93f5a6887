// Automatic assignment: on ticket creation (hook in the ticket service, same transaction) the
// first matching rule picks a team and/or agent; a team without an agent hands out by its method
// (round-robin or least-loaded) among available members, under a row lock on the team's cursor so
// concurrent creations take turns. Also the admin CRUD of rules and agents' own availability.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { RequestContext } from '../context';
import { assignmentRepo } from './repository';
import { ticketsRepo } from '../tickets/repository';
import { recordAudit } from '../audit/service';
import { notify } from '../notifications/service';
import { AppError } from '$lib/domain/common/errors';
import { can, systemActor } from '$lib/domain/auth/permissions';
import {
  AssignmentConditions,
  firstMatch,
  isAvailable,
  pickInTeam,
  type AssignmentMethod,
  type AssignmentRule,
  type AssignmentRuleBody,
  type Availability,
  type Decision
} from '$lib/domain/assignment/decide';

export const SYSTEM_CTX: RequestContext = { actor: systemActor, source: 'system' };

type Row = NonNullable<Awaited<ReturnType<typeof assignmentRepo.getRule>>>;
const view = (r: Row) => ({
  id: r.id,
  name: r.name,
  position: r.position,
  active: r.active,
  conditions: AssignmentConditions.catch({}).parse(r.conditions),
  teamId: r.team_id,
  agentId: r.agent_id,
  method: r.method,
  updatedAt: r.updated_at.toISOString()
});
/** Who to record in created_by/updated_by: nobody for the system actor (not a users row). */
const by = (ctx: RequestContext) => (ctx.actor.via === 'system' ? null : ctx.actor.id);
const notFound = () => new AppError('not_found', 'id: no such rule', { fields: [{ field: 'id', message: 'no such rule' }] });
const invalid = (field: string, message: string) => new AppError('validation', `${field}: ${message}`, { fields: [{ field, message }] });

/** Active rules are read at most every RULES_TTL_MS per service (every creation needs them); this service's rule writes drop them at once. */
const RULES_TTL_MS = 5_000;

export class AssignmentService {
  #rules: { at: number; rules: AssignmentRule[] } | null = null;

  constructor(private readonly db: Kysely<DB>) {}

  /** Drops the cached rules (after a rule write commits; other instances see it within RULES_TTL_MS). */
  invalidateRules() {
    this.#rules = null;
  }

  async #activeRules(trx: Kysely<DB>): Promise<AssignmentRule[]> {
    if (this.#rules && Date.now() - this.#rules.at < RULES_TTL_MS) return this.#rules.rules;
    const rules: AssignmentRule[] = (await assignmentRepo.activeRules(trx)).map((r) => ({
      id: r.id,
      name: r.name,
      position: r.position,
      conditions: AssignmentConditions.catch({}).parse(r.conditions),
      teamId: r.team_id,
      agentId: r.agent_id,
      method: r.method
    }));
    this.#rules = { at: Date.now(), rules };
    return rules;
  }

  /** Picks an available agent of `teamId` by `method` (the team's own when null), advancing its cursor. */
  async pickInTeam(trx: Kysely<DB>, teamId: string, method: AssignmentMethod | null, now: Date): Promise<string | null> {
    const team = await assignmentRepo.team(trx, teamId);
    if (!team) return null;
    const how = method ?? team.assignment_method;
    if (how === 'manual') return null;
    const cursor = await assignmentRepo.lockCursor(trx, teamId);
    const members = (await assignmentRepo.members(trx, teamId)).map((m) => ({
      id: m.id,
      available: m.available,
      outOfOfficeFrom: m.out_of_office_from,
      outOfOfficeUntil: m.out_of_office_until,
      openTickets: Number(m.open_tickets ?? 0)
    }));
    const pick = pickInTeam(how, members, now, cursor.last_user_id);
    if (pick) await assignmentRepo.advanceCursor(trx, teamId, pick);
    return pick;
  }

  /** The decision for a ticket: first matching rule, then its agent (if available) or its team's method. */
  async decide(trx: Kysely<DB>, t: { subject: string; description: string | null; priority: string; category_id: string | null; requester_id: string; team_id: string | null }, now: Date): Promise<Decision | null> {
    const rules = await this.#activeRules(trx);
    const rule = firstMatch(rules, { subject: t.subject, description: t.description, priority: t.priority, categoryId: t.category_id, requesterId: t.requester_id });
    const teamId = rule?.teamId ?? t.team_id;
    if (!rule && !teamId) return null;
    if (rule?.agentId) {
      const agent = await assignmentRepo.agent(trx, rule.agentId);
      if (agent && isAvailable({ available: agent.available, outOfOfficeFrom: agent.out_of_office_from, outOfOfficeUntil: agent.out_of_office_until }, now)) {
        return { teamId, agentId: agent.id, reason: `rule: ${rule.name}`, ruleId: rule.id, advancedCursor: false };
      }
    }
    if (!teamId) return null;
    const agentId = await this.pickInTeam(trx, teamId, rule?.method ?? null, now);
    return { teamId, agentId, reason: rule ? `rule: ${rule.name}` : 'team', ruleId: rule?.id ?? null, advancedCursor: !!agentId };
  }

  /** Hook for TicketsService.create: runs in the creating transaction; never fails the creation for want of an agent. */
  async onTicketCreated(trx: Kysely<DB>, _ctx: RequestContext, created: { id: string }) {
    const now = new Date();
    const t = await assignmentRepo.ticket(trx, created.id);
    if (!t || t.assignee_id) return;
    const d = await this.decide(trx, t, now);
    if (!d) return;
    await this.apply(trx, SYSTEM_CTX, t, { team_id: d.teamId, assignee_id: d.agentId }, { action: 'ticket.auto_assign', reason: d.reason, ruleId: d.ruleId });
  }

  /** Writes a team/assignee change made by the system: ticket, history, audit, notification. */
  async apply(
    trx: Kysely<DB>,
    ctx: RequestContext,
    t: { id: string; number: string | number; subject: string; requester_id: string; assignee_id: string | null; team_id: string | null },
    to: { team_id: string | null; assignee_id: string | null },
    why: { action: string; reason: string; ruleId: string | null }
  ) {
    const changes = (['team_id', 'assignee_id'] as const).filter((f) => to[f] !== null && to[f] !== t[f]);
    if (!changes.length) return false;
    const set = Object.fromEntries(changes.map((f) => [f, to[f]]));
    const now = new Date();
    await ticketsRepo.update(trx, t.id, { ...set, updated_at: now, last_activity_at: now, updated_by: null });
    await ticketsRepo.insertHistory(
      trx,
      changes.map((f) => ({
        ticket_id: t.id,
        requester_id: t.requester_id,
        internal: true,
        actor_id: null,
        actor_type: 'system' as const,
        source: 'system' as const,
        action: f === 'assignee_id' ? 'assigned' : 'updated',
        field: f,
        old_value: JSON.stringify(t[f]),
        new_value: JSON.stringify(to[f]),
        device_time: null
      }))
    );
    await recordAudit(trx, ctx, {
      action: why.action,
      entityType: 'ticket',
      entityId: t.id,
      before: Object.fromEntries(changes.map((f) => [f, t[f]])),
      after: { ...set, reason: why.reason, rule_id: why.ruleId }
    });
    if (changes.includes('assignee_id') && to.assignee_id) {
      await notify(trx, ctx, {
        userId: to.assignee_id,
        type: 'ticket.assigned',
        title: `Ticket #${t.number} was assigned to you`,
        body: t.subject,
        link: `/tickets/${t.id}`,
        ticketId: t.id,
        data: { by: 'System', reason: why.reason }
      });
    }
    return true;
  }

  // ─── Rules (admin) ────────────────────────────────────────────────────────────────────────
  /** A rule write; the cached rules are dropped once it has ended (committed or not). */
  async #ruleWrite<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      this.invalidateRules();
    }
  }

  #admin(ctx: RequestContext) {
    if (!can(ctx.actor, 'teams.manage')) throw new AppError('forbidden', 'You need the teams.manage permission');
  }

  async #checkRefs(trx: Kysely<DB>, b: { teamId?: string | null; agentId?: string | null }) {
    if (b.teamId && !(await ticketsRepo.teamExists(trx, b.teamId))) throw invalid('teamId', 'no such team');
    if (b.agentId && !(await ticketsRepo.activeUserWith(trx, b.agentId, 'tickets.update'))) throw invalid('agentId', 'is not an active agent');
  }

  async listRules(ctx: RequestContext) {
    this.#admin(ctx);
    return { items: (await assignmentRepo.listRules(this.db)).map(view) };
  }

  async createRule(ctx: RequestContext, b: AssignmentRuleBody) {
    this.#admin(ctx);
    return this.#ruleWrite(() => this.db.transaction().execute(async (trx) => {
      await this.#checkRefs(trx, b);
      const row = await assignmentRepo.insertRule(trx, {
        name: b.name,
        position: b.position,
        active: b.active,
        conditions: JSON.stringify(b.conditions),
        team_id: b.teamId,
        agent_id: b.agentId,
        method: b.method,
        created_by: by(ctx),
        updated_by: by(ctx)
      });
      const v = view(row);
      await recordAudit(trx, ctx, { action: 'assignment_rule.create', entityType: 'assignment_rule', entityId: row.id, before: null, after: { ...v, conditions: JSON.stringify(v.conditions) } });
      return v;
    }));
  }

  async updateRule(ctx: RequestContext, id: string, b: AssignmentRuleBody) {
    this.#admin(ctx);
    return this.#ruleWrite(() => this.db.transaction().execute(async (trx) => {
      const before = await assignmentRepo.getRule(trx, id);
      if (!before) throw notFound();
      await this.#checkRefs(trx, b);
      const row = await assignmentRepo.updateRule(trx, id, {
        name: b.name,
        position: b.position,
        active: b.active,
        conditions: JSON.stringify(b.conditions),
        team_id: b.teamId,
        agent_id: b.agentId,
        method: b.method,
        updated_by: by(ctx),
        updated_at: new Date()
      });
      if (!row) throw notFound();
      const a = view(before);
      const v = view(row);
      await recordAudit(trx, ctx, { action: 'assignment_rule.update', entityType: 'assignment_rule', entityId: id, before: { ...a, conditions: JSON.stringify(a.conditions) }, after: { ...v, conditions: JSON.stringify(v.conditions) } });
      return v;
    }));
  }

  async deleteRule(ctx: RequestContext, id: string) {
    this.#admin(ctx);
    await this.#ruleWrite(() => this.db.transaction().execute(async (trx) => {
      const row = await assignmentRepo.updateRule(trx, id, { deleted_at: new Date(), updated_by: by(ctx) });
      if (!row) throw notFound();
      await recordAudit(trx, ctx, { action: 'assignment_rule.delete', entityType: 'assignment_rule', entityId: id, before: { name: row.name }, after: null });
    }));
  }

  /** Teams (with their method) and agents, for the rule editors. */
  async options(ctx: RequestContext) {
    if (!can(ctx.actor, 'teams.manage') && !can(ctx.actor, 'sla.manage')) throw new AppError('forbidden', 'You need the teams.manage or sla.manage permission');
    const [teams, agents] = await Promise.all([assignmentRepo.teams(this.db), assignmentRepo.agents(this.db)]);
    return { teams: teams.map((t) => ({ id: t.id, name: t.name, method: t.assignment_method })), agents };
  }

  async setTeamMethod(ctx: RequestContext, teamId: string, method: AssignmentMethod) {
    this.#admin(ctx);
    return this.db.transaction().execute(async (trx) => {
      const before = await assignmentRepo.team(trx, teamId);
      if (!before) throw new AppError('not_found', 'id: no such team', { fields: [{ field: 'id', message: 'no such team' }] });
      await assignmentRepo.setTeamMethod(trx, teamId, method, by(ctx));
      await recordAudit(trx, ctx, { action: 'team.assignment_method', entityType: 'team', entityId: teamId, before: { assignment_method: before.assignment_method }, after: { assignment_method: method } });
      return { id: teamId, name: before.name, method };
    });
  }

  // ─── Availability (an agent's own) ────────────────────────────────────────────────────────
  async getAvailability(ctx: RequestContext) {
    const r = await assignmentRepo.availability(this.db, ctx.actor.id);
    return { available: r.available, outOfOfficeFrom: r.out_of_office_from?.toISOString() ?? null, outOfOfficeUntil: r.out_of_office_until?.toISOString() ?? null, availableNow: isAvailable({ available: r.available, outOfOfficeFrom: r.out_of_office_from, outOfOfficeUntil: r.out_of_office_until }, new Date()) };
  }

  async setAvailability(ctx: RequestContext, b: Availability) {
    if (!can(ctx.actor, 'tickets.update')) throw new AppError('forbidden', 'Only agents have an availability');
    await this.db.transaction().execute(async (trx) => {
      const before = await assignmentRepo.availability(trx, ctx.actor.id);
      const after = await assignmentRepo.setAvailability(trx, ctx.actor.id, {
        available: b.available,
        out_of_office_from: b.outOfOfficeFrom ? new Date(b.outOfOfficeFrom) : null,
        out_of_office_until: b.outOfOfficeUntil ? new Date(b.outOfOfficeUntil) : null
      });
      await recordAudit(trx, ctx, { action: 'user.availability', entityType: 'user', entityId: ctx.actor.id, before, after });
    });
    return this.getAvailability(ctx);
  }
}
