// Escalation (run every minute by the `sla.escalate` job): (a) the SLA service records breaches,
// (b) every active rule whose threshold a ticket has reached is applied exactly once per (ticket,
// rule, target). The guard is a row in escalation_log inserted with ON CONFLICT DO NOTHING in the
// same transaction as the rule's actions: two workers sweeping at once race on that row, the loser
// waits for the winner's commit, inserts nothing and applies nothing; a failed action rolls the
// claim back so the next sweep retries it. Also the built-in SLA warning/breach notices, and the
// admin CRUD of rules.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { RequestContext } from '../context';
import { escalationRepo } from './repository';
import { ticketsRepo } from '../tickets/repository';
import { recordAudit } from '../audit/service';
import { notify } from '../notifications/service';
import type { AssignmentService } from '../assignment/service';
import { SYSTEM_CTX } from '../assignment/service';
import type { SlaChecks } from './sla-checks';
import { AppError } from '$lib/domain/common/errors';
import { can } from '$lib/domain/auth/permissions';
import { log } from '../log';
import {
  EscalationAction,
  EscalationConditions,
  dueEscalations,
  raisedPriority,
  SLA_WARNING_PERCENT,
  type EscalationRule,
  type EscalationRuleBody,
  type Progress,
  type SlaTarget,
  type TicketAttrs
} from '$lib/domain/escalation/thresholds';

type Row = NonNullable<Awaited<ReturnType<typeof escalationRepo.getRule>>>;
const toRule = (r: Row): EscalationRule => ({
  id: r.id,
  position: r.position,
  target: r.target,
  trigger: r.trigger,
  percent: r.percent,
  conditions: EscalationConditions.catch({}).parse(r.conditions),
  // A stored action that no longer parses is dropped, not fatal to the sweep.
  actions: (Array.isArray(r.actions) ? r.actions : []).flatMap((a) => {
    const p = EscalationAction.safeParse(a);
    return p.success ? [p.data] : [];
  })
});
const view = (r: Row) => ({ ...toRule(r), name: r.name, active: r.active, updatedAt: r.updated_at.toISOString() });
/** Who to record in created_by/updated_by: nobody for the system actor (not a users row). */
const by = (ctx: RequestContext) => (ctx.actor.via === 'system' ? null : ctx.actor.id);
const notFound = () => new AppError('not_found', 'id: no such rule', { fields: [{ field: 'id', message: 'no such rule' }] });
const invalid = (field: string, message: string) => new AppError('validation', `${field}: ${message}`, { fields: [{ field, message }] });
const CHUNK = 50;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const TARGET_LABEL: Record<SlaTarget, string> = { first_response: 'first response', resolution: 'resolution' };

export interface SweepResult {
  progress: number;
  due: number;
  applied: number;
  notices: number;
  ms: number;
}

export class EscalationService {
  constructor(
    private readonly db: Kysely<DB>,
    public sla: SlaChecks,
    private readonly assignment: AssignmentService
  ) {}

  /** One sweep at `now`. Safe to run concurrently with itself (in this or another process). */
  async sweep(now: Date): Promise<SweepResult> {
    const t0 = performance.now();
    try {
      await this.sla.checkBreaches(now);
    } catch (e) {
      log.error('sla checkBreaches failed; escalating on the current state', { error: e });
    }
    const progress = await this.sla.progress(now);
    const rules = (await escalationRepo.activeRules(this.db)).map((r) => ({ rule: toRule(r), name: r.name }));
    const minPercent = Math.min(SLA_WARNING_PERCENT, ...rules.map((r) => (r.rule.trigger === 'percent' ? (r.rule.percent ?? Infinity) : Infinity)));
    const hot = progress.filter((p) => p.breached || p.percent >= minPercent);
    const attrs = new Map<string, TicketAttrs & { assigneeId: string | null }>();
    const ids = [...new Set(hot.map((p) => p.ticketId))];
    for (let i = 0; i < ids.length; i += 1000) {
      for (const a of await escalationRepo.attrs(this.db, ids.slice(i, i + 1000))) attrs.set(a.id, { priority: a.priority, teamId: a.team_id, categoryId: a.category_id, assigneeId: a.assignee_id });
    }
    const names = new Map(rules.map((r) => [r.rule.id, r.name]));
    const done = await escalationRepo.applied(this.db, [...names.keys()], ids);
    const due = dueEscalations(
      rules.map((r) => r.rule),
      hot,
      attrs
    ).filter(({ rule, progress: p }) => !done.has(`${p.ticketId}/${rule.id}/${p.target}`));
    // Chunks of CHUNK escalations per transaction (one commit instead of fifty), in one global
    // order — ticket, rule position, rule id, target: rules act on a ticket in their order, and
    // concurrent sweeps take their row locks in the same order. A chunk that fails (an action error, or PostgreSQL breaking a rare deadlock with a reassigning
    // sweep on the team cursor) is redone one escalation per transaction, so one bad rule cannot
    // hold back the others; each claim commits or rolls back with its own actions either way.
    due.sort((a, b) => cmp(a.progress.ticketId, b.progress.ticketId) || a.rule.position - b.rule.position || cmp(a.rule.id, b.rule.id) || cmp(a.progress.target, b.progress.target));
    let applied = 0;
    for (let i = 0; i < due.length; i += CHUNK) {
      const chunk = due.slice(i, i + CHUNK);
      try {
        applied += await this.db.transaction().execute(async (trx) => {
          let n = 0;
          for (const { rule, progress: p } of chunk) if (await this.#applyOnce(trx, rule, names.get(rule.id) ?? 'rule', p)) n++;
          return n;
        });
      } catch {
        for (const { rule, progress: p } of chunk) {
          try {
            if (await this.db.transaction().execute((trx) => this.#applyOnce(trx, rule, names.get(rule.id) ?? 'rule', p))) applied++;
          } catch (e) {
            log.error('escalation failed (retried next sweep)', { ruleId: rule.id, ticketId: p.ticketId, error: e });
          }
        }
      }
    }
    const notices = await this.#notices(hot);
    const result = { progress: progress.length, due: due.length, applied, notices, ms: Math.round(performance.now() - t0) };
    if (applied || notices) log.info('escalation sweep', result);
    return result;
  }

  /** Claims (ticket, rule, target) and applies the rule's actions, inside `trx`; false when someone else had claimed it. */
  async #applyOnce(trx: Kysely<DB>, rule: EscalationRule, name: string, p: Progress): Promise<boolean> {
    {
      const claim = await escalationRepo.claim(trx, { ticket_id: p.ticketId, rule_id: rule.id, target: p.target, percent: p.percent });
      if (!claim) return false;
      const t = await escalationRepo.openTicket(trx, p.ticketId);
      if (!t) return true; // closed meanwhile: claimed so it is not retried, nothing to do
      const when = p.breached ? `${TARGET_LABEL[p.target]} target breached` : `${TARGET_LABEL[p.target]} at ${Math.floor(p.percent)} %`;
      const done: unknown[] = [];
      let ticket = { ...t };
      for (const a of rule.actions) {
        if (a.type === 'notify') {
          const to = new Set(a.userIds);
          if (a.assignee && ticket.assignee_id) to.add(ticket.assignee_id);
          if ((a.team || a.manager) && ticket.team_id) {
            const people = await escalationRepo.teamPeople(trx, ticket.team_id);
            for (const m of people) if (a.team || m.is_lead || m.is_team_lead) to.add(m.id);
            if (a.manager) {
              const lead = await escalationRepo.teamLead(trx, ticket.team_id);
              if (lead?.lead_id) to.add(lead.lead_id);
            }
          }
          for (const userId of to) {
            await notify(trx, SYSTEM_CTX, {
              userId,
              type: 'escalation',
              title: `Escalation on ticket #${ticket.number}: ${when}`,
              body: `${ticket.subject} — ${name}`,
              link: `/tickets/${ticket.id}`,
              ticketId: ticket.id,
              data: { ruleId: rule.id, rule: name, target: p.target, percent: p.percent, breached: p.breached }
            });
          }
          done.push({ type: 'notify', userIds: [...to] });
        } else if (a.type === 'reassign') {
          let agentId = a.agentId;
          if (agentId) {
            const ok = await ticketsRepo.activeUserWith(trx, agentId, 'tickets.update');
            if (!ok) agentId = null;
          }
          const teamId = a.teamId ?? ticket.team_id;
          if (!agentId && a.teamId) agentId = await this.assignment.pickInTeam(trx, a.teamId, null, new Date());
          const to = { team_id: a.teamId ?? null, assignee_id: agentId };
          await this.assignment.apply(trx, SYSTEM_CTX, ticket, to, { action: 'ticket.escalate_reassign', reason: `escalation: ${name}`, ruleId: rule.id });
          ticket = { ...ticket, team_id: to.team_id ?? ticket.team_id, assignee_id: agentId ?? ticket.assignee_id };
          done.push({ type: 'reassign', teamId, agentId });
        } else {
          const to = raisedPriority(ticket.priority, a.to);
          if (to !== ticket.priority) {
            const now = new Date();
            await ticketsRepo.update(trx, ticket.id, { priority: to, updated_at: now, last_activity_at: now, updated_by: null });
            await ticketsRepo.insertHistory(trx, [
              { ticket_id: ticket.id, requester_id: ticket.requester_id, internal: false, actor_id: null, actor_type: 'system', source: 'system', action: 'updated', field: 'priority', old_value: JSON.stringify(ticket.priority), new_value: JSON.stringify(to) }
            ]);
            await recordAudit(trx, SYSTEM_CTX, { action: 'ticket.escalate_priority', entityType: 'ticket', entityId: ticket.id, before: { priority: ticket.priority }, after: { priority: to, rule_id: rule.id } });
            done.push({ type: 'raise_priority', from: ticket.priority, to });
            ticket = { ...ticket, priority: to };
          } else done.push({ type: 'raise_priority', unchanged: to });
        }
      }
      await escalationRepo.recordActions(trx, claim, done);
      await ticketsRepo.insertHistory(trx, [
        {
          ticket_id: ticket.id,
          requester_id: ticket.requester_id,
          internal: true,
          actor_id: null,
          actor_type: 'system',
          source: 'system',
          action: 'escalated',
          field: null,
          old_value: null,
          new_value: JSON.stringify({ rule_id: rule.id, rule: name, target: p.target, percent: p.percent, breached: p.breached, actions: done })
        }
      ]);
      await recordAudit(trx, SYSTEM_CTX, { action: 'ticket.escalate', entityType: 'ticket', entityId: ticket.id, before: null, after: { rule_id: rule.id, rule: name, target: p.target, percent: p.percent, breached: p.breached, actions: JSON.stringify(done) } });
      return true;
    }
  }

  /** SLA warning (at SLA_WARNING_PERCENT) and breach notices to the assignee (else the team lead), once each. */
  async #notices(hot: Progress[]): Promise<number> {
    const candidates = hot.flatMap((p) => [...(p.breached ? (['breached'] as const) : []), ...(p.percent >= SLA_WARNING_PERCENT && !p.breached ? (['warning'] as const) : [])].map((kind) => ({ p, kind })));
    if (!candidates.length) return 0;
    const seen = await escalationRepo.noticed(this.db);
    const todo = candidates.filter(({ p, kind }) => !seen.has(`${p.ticketId}/${p.target}/${kind}`));
    todo.sort((a, b) => cmp(a.p.ticketId, b.p.ticketId) || cmp(a.p.target, b.p.target) || cmp(a.kind, b.kind));
    let sent = 0;
    for (let i = 0; i < todo.length; i += CHUNK) {
      const chunk = todo.slice(i, i + CHUNK);
      try {
        sent += await this.db.transaction().execute(async (trx) => {
          let n = 0;
          for (const c of chunk) if (await this.#notice(trx, c.p, c.kind)) n++;
          return n;
        });
      } catch {
        for (const c of chunk) {
          try {
            if (await this.db.transaction().execute((trx) => this.#notice(trx, c.p, c.kind))) sent++;
          } catch (e) {
            log.error('sla notice failed', { ticketId: c.p.ticketId, error: e });
          }
        }
      }
    }
    return sent;
  }

  async #notice(trx: Kysely<DB>, p: Progress, kind: 'warning' | 'breached'): Promise<boolean> {
    if (!(await escalationRepo.claimNotice(trx, { ticket_id: p.ticketId, target: p.target, kind }))) return false;
    const t = await escalationRepo.openTicket(trx, p.ticketId);
    if (!t) return false;
    const userId = t.assignee_id ?? (t.team_id ? (await escalationRepo.teamLead(trx, t.team_id))?.lead_id : null);
    if (!userId) return false;
    await notify(trx, SYSTEM_CTX, {
      userId,
      type: kind === 'breached' ? 'sla.breached' : 'sla.warning',
      title: kind === 'breached' ? `SLA breached on ticket #${t.number}: ${TARGET_LABEL[p.target]}` : `SLA warning on ticket #${t.number}: ${TARGET_LABEL[p.target]} at ${Math.floor(p.percent)} %`,
      body: t.subject,
      link: `/tickets/${t.id}`,
      ticketId: t.id,
      data: { target: p.target, percent: p.percent }
    });
    return true;
  }

  // ─── Rules (admin) ────────────────────────────────────────────────────────────────────────
  #admin(ctx: RequestContext) {
    if (!can(ctx.actor, 'sla.manage')) throw new AppError('forbidden', 'You need the sla.manage permission');
  }

  async #checkRefs(trx: Kysely<DB>, b: EscalationRuleBody) {
    for (const [i, a] of b.actions.entries()) {
      if (a.type === 'reassign') {
        if (a.teamId && !(await ticketsRepo.teamExists(trx, a.teamId))) throw invalid(`actions.${i}.teamId`, 'no such team');
        if (a.agentId && !(await ticketsRepo.activeUserWith(trx, a.agentId, 'tickets.update'))) throw invalid(`actions.${i}.agentId`, 'is not an active agent');
      }
      if (a.type === 'notify') {
        for (const [j, u] of a.userIds.entries()) if (!(await ticketsRepo.activeUser(trx, u))) throw invalid(`actions.${i}.userIds.${j}`, 'no such active user');
      }
    }
  }

  async listRules(ctx: RequestContext) {
    this.#admin(ctx);
    return { items: (await escalationRepo.listRules(this.db)).map(view) };
  }

  #row(ctx: RequestContext, b: EscalationRuleBody) {
    return {
      name: b.name,
      position: b.position,
      active: b.active,
      target: b.target,
      trigger: b.trigger,
      percent: b.percent,
      conditions: JSON.stringify(b.conditions),
      actions: JSON.stringify(b.actions),
      updated_by: by(ctx)
    };
  }

  async createRule(ctx: RequestContext, b: EscalationRuleBody) {
    this.#admin(ctx);
    return this.db.transaction().execute(async (trx) => {
      await this.#checkRefs(trx, b);
      const row = await escalationRepo.insertRule(trx, { ...this.#row(ctx, b), created_by: by(ctx) });
      await recordAudit(trx, ctx, { action: 'escalation_rule.create', entityType: 'escalation_rule', entityId: row.id, before: null, after: auditable(view(row)) });
      return view(row);
    });
  }

  async updateRule(ctx: RequestContext, id: string, b: EscalationRuleBody) {
    this.#admin(ctx);
    return this.db.transaction().execute(async (trx) => {
      const before = await escalationRepo.getRule(trx, id);
      if (!before) throw notFound();
      await this.#checkRefs(trx, b);
      const row = await escalationRepo.updateRule(trx, id, { ...this.#row(ctx, b), updated_at: new Date() });
      if (!row) throw notFound();
      await recordAudit(trx, ctx, { action: 'escalation_rule.update', entityType: 'escalation_rule', entityId: id, before: auditable(view(before)), after: auditable(view(row)) });
      return view(row);
    });
  }

  async deleteRule(ctx: RequestContext, id: string) {
    this.#admin(ctx);
    await this.db.transaction().execute(async (trx) => {
      const row = await escalationRepo.updateRule(trx, id, { deleted_at: new Date(), updated_by: by(ctx) });
      if (!row) throw notFound();
      await recordAudit(trx, ctx, { action: 'escalation_rule.delete', entityType: 'escalation_rule', entityId: id, before: { name: row.name }, after: null });
    });
  }
}

const auditable = (v: ReturnType<typeof view>) => ({ ...v, conditions: JSON.stringify(v.conditions), actions: JSON.stringify(v.actions) });
