// Escalation decisions — pure: how far a ticket's SLA target has run, and which rules are due.
import { z } from 'zod';

export const SLA_TARGETS = ['first_response', 'resolution'] as const;
export type SlaTarget = (typeof SLA_TARGETS)[number];
const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const EscalationConditions = z
  .object({
    priorities: z.array(z.enum(PRIORITIES)).max(4).optional(),
    teamIds: z.array(z.uuid()).max(100).optional(),
    categoryIds: z.array(z.uuid()).max(100).optional()
  })
  .strict();
export type EscalationConditions = z.infer<typeof EscalationConditions>;

export const EscalationAction = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('notify'),
      userIds: z.array(z.uuid()).max(50).default([]),
      assignee: z.boolean().default(false),
      team: z.boolean().default(false),
      manager: z.boolean().default(false)
    })
    .strict()
    .refine((a) => a.userIds.length || a.assignee || a.team || a.manager, { message: 'notify whom? give userIds, assignee, team or manager', path: ['userIds'] }),
  z
    .object({ type: z.literal('reassign'), agentId: z.uuid().nullable().default(null), teamId: z.uuid().nullable().default(null) })
    .strict()
    .refine((a) => a.agentId || a.teamId, { message: 'give an agent, a team or both', path: ['agentId'] }),
  z.object({ type: z.literal('raise_priority'), to: z.enum(PRIORITIES).nullable().default(null) }).strict()
]);
export type EscalationAction = z.infer<typeof EscalationAction>;

export const EscalationRuleBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    position: z.number().int().min(0).max(1_000_000).default(0),
    active: z.boolean().default(true),
    target: z.enum(SLA_TARGETS),
    trigger: z.enum(['percent', 'breach']),
    percent: z.number().int().min(1).max(1000).nullable().default(null),
    conditions: EscalationConditions.default({}),
    actions: z.array(EscalationAction).min(1).max(10)
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.trigger === 'percent' && r.percent == null) ctx.addIssue({ code: 'custom', path: ['percent'], message: 'is required when trigger is percent' });
    if (r.trigger === 'breach' && r.percent != null) ctx.addIssue({ code: 'custom', path: ['percent'], message: 'must be empty when trigger is breach' });
  });
export type EscalationRuleBody = z.infer<typeof EscalationRuleBody>;

export interface EscalationRule {
  id: string;
  position: number;
  target: SlaTarget;
  trigger: 'percent' | 'breach';
  percent: number | null;
  conditions: EscalationConditions;
  actions: EscalationAction[];
}

export interface Progress {
  ticketId: string;
  target: SlaTarget;
  percent: number;
  breached: boolean;
}

export interface SlaClock {
  createdAt: Date;
  dueAt: Date;
  pausedSeconds: number;
  /** Set while the clock is paused (status waiting): time stands still from then. */
  pausedAt: Date | null;
  breachedAt: Date | null;
}

/**
 * Wall-clock share of a target used up: (now − start − paused) / (due − start), ×100. Provisional
 * until the SLA engine's business-calendar version replaces it (see server/escalation/sla-checks).
 */
export function wallClockPercent(c: SlaClock, now: Date): { percent: number; breached: boolean } {
  const effectiveNow = c.pausedAt && c.pausedAt < now ? c.pausedAt : now;
  const total = c.dueAt.getTime() - c.createdAt.getTime();
  const used = effectiveNow.getTime() - c.createdAt.getTime() - c.pausedSeconds * 1000;
  const percent = total <= 0 ? 100 : Math.max(0, (used / total) * 100);
  const breached = c.breachedAt != null || effectiveNow.getTime() > c.dueAt.getTime();
  return { percent: Math.round(percent * 100) / 100, breached };
}

export interface TicketAttrs {
  priority: string;
  teamId: string | null;
  categoryId: string | null;
}

export function conditionsHold(c: EscalationConditions, t: TicketAttrs): boolean {
  if (c.priorities?.length && !c.priorities.includes(t.priority as Priority)) return false;
  if (c.teamIds?.length && (!t.teamId || !c.teamIds.includes(t.teamId))) return false;
  if (c.categoryIds?.length && (!t.categoryId || !c.categoryIds.includes(t.categoryId))) return false;
  return true;
}

/** Whether a rule's threshold is reached for this progress reading. */
export function thresholdReached(rule: Pick<EscalationRule, 'target' | 'trigger' | 'percent'>, p: Progress): boolean {
  if (rule.target !== p.target) return false;
  if (rule.trigger === 'breach') return p.breached;
  return p.breached || p.percent >= (rule.percent ?? Infinity);
}

/** The (rule, progress) pairs due now, rules in order; the caller dedupes against the log. */
export function dueEscalations(rules: readonly EscalationRule[], progress: readonly Progress[], attrs: ReadonlyMap<string, TicketAttrs>) {
  const out: { rule: EscalationRule; progress: Progress }[] = [];
  const ordered = [...rules].sort((a, b) => a.position - b.position);
  for (const p of progress) {
    const t = attrs.get(p.ticketId);
    if (!t) continue;
    for (const rule of ordered) if (thresholdReached(rule, p) && conditionsHold(rule.conditions, t)) out.push({ rule, progress: p });
  }
  return out;
}

const ORDER: Priority[] = ['low', 'medium', 'high', 'critical'];
/** One step up, or to `to` when that is higher; never down. */
export function raisedPriority(current: string, to: Priority | null): Priority {
  const i = Math.max(0, ORDER.indexOf(current as Priority));
  const target = to ? ORDER.indexOf(to) : Math.min(i + 1, ORDER.length - 1);
  return ORDER[Math.max(i, target)];
}

/** SLA warning notices go out at this share of a target (breach notices at breach). */
export const SLA_WARNING_PERCENT = 80;

export const EscalationRuleView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    position: z.number(),
    active: z.boolean(),
    target: z.enum(['first_response', 'resolution']),
    trigger: z.enum(['percent', 'breach']),
    percent: z.number().nullable(),
    conditions: EscalationConditions,
    actions: z.array(EscalationAction),
    updatedAt: z.string()
  })
  .meta({ id: 'EscalationRule' });
