// SLA policies: conditions a ticket must match, and first-response / resolution targets (business
// minutes) per priority. The first active policy by position whose conditions all match applies;
// an empty condition list matches every ticket.
import { z } from 'zod';
import { PRIORITIES, Priority, TicketStatus } from '../tickets/schemas';

export const SLA_METRICS = ['first_response', 'resolution'] as const;
export type SlaMetric = (typeof SLA_METRICS)[number];

const Ids = z.array(z.uuid()).max(200);
export const PolicyConditions = z
  .object({
    priority: z.array(Priority).max(4).optional(),
    typeKeys: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a type key like incident')).max(50).optional(),
    typeIds: Ids.optional(),
    categoryIds: Ids.optional(),
    teamIds: Ids.optional(),
    requesterIds: Ids.optional(),
    sources: z.array(z.enum(['web', 'email', 'portal', 'api', 'ai', 'phone'])).max(6).optional(),
    /** Any of these tags. */
    tags: z.array(z.string().trim().toLowerCase().min(1).max(50)).max(30).optional()
  })
  .strict();
export type PolicyConditions = z.output<typeof PolicyConditions>;

const Minutes = z.number().int('must be a whole number of minutes').min(1, 'must be at least 1 minute').max(525_600, 'must be at most a year (525600 minutes)');
export const PriorityTarget = z
  .object({ firstResponseMinutes: Minutes.nullable().optional(), resolutionMinutes: Minutes.nullable().optional() })
  .strict()
  .refine((t) => !t.firstResponseMinutes || !t.resolutionMinutes || t.firstResponseMinutes <= t.resolutionMinutes, {
    message: 'first response must not be later than resolution',
    path: ['firstResponseMinutes']
  });
export const PolicyTargets = z.object(Object.fromEntries(PRIORITIES.map((p) => [p, PriorityTarget.optional()])) as Record<Priority, z.ZodOptional<typeof PriorityTarget>>).strict();
export type PolicyTargets = z.output<typeof PolicyTargets>;

export const PauseStatuses = z
  .array(TicketStatus.refine((s) => s !== 'resolved' && s !== 'closed', { message: 'resolved and closed stop the clock; they cannot pause it' }))
  .max(3)
  .transform((s) => [...new Set(s)]);

/** A policy as the matcher and the clock see it. */
export interface SlaPolicy {
  id: string;
  name?: string;
  conditions: PolicyConditions;
  targets: PolicyTargets;
  calendarId: string | null;
  pauseStatuses: readonly string[];
  warningPercent?: number;
  position: number;
}

/** The ticket values conditions look at. */
export interface TicketFacts {
  priority: Priority;
  typeId: string | null;
  typeKey: string | null;
  categoryId: string | null;
  teamId: string | null;
  requesterId: string;
  source: string;
  tags: readonly string[];
}

/** Stored conditions, tolerant of the older `priorities` spelling; unknown keys make the policy match nothing. */
export function readConditions(raw: unknown): PolicyConditions | null {
  const obj = raw && typeof raw === 'object' ? { ...(raw as Record<string, unknown>) } : {};
  if ('priorities' in obj && !('priority' in obj)) {
    obj.priority = obj.priorities;
    delete obj.priorities;
  }
  const r = PolicyConditions.safeParse(obj);
  return r.success ? r.data : null;
}

export function readTargets(raw: unknown): PolicyTargets {
  const r = PolicyTargets.safeParse(raw ?? {});
  return r.success ? r.data : {};
}

export function matches(c: PolicyConditions, f: TicketFacts): boolean {
  const inList = <T>(list: readonly T[] | undefined, v: T | null) => !list || list.length === 0 || (v !== null && list.includes(v));
  return (
    inList(c.priority, f.priority) &&
    inList(c.typeKeys, f.typeKey) &&
    inList(c.typeIds, f.typeId) &&
    inList(c.categoryIds, f.categoryId) &&
    inList(c.teamIds, f.teamId) &&
    inList(c.requesterIds, f.requesterId) &&
    inList(c.sources, f.source) &&
    (!c.tags || c.tags.length === 0 || c.tags.some((t) => f.tags.includes(t)))
  );
}

/** The applicable policy: lowest position first (ties by id, so the choice is deterministic). */
export function matchPolicy<P extends SlaPolicy>(policies: readonly P[], facts: TicketFacts): P | null {
  const sorted = [...policies].sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sorted.find((p) => matches(p.conditions, facts)) ?? null;
}

/** Target minutes of each metric for a priority (null: that metric has no target). */
export function targetsFor(p: Pick<SlaPolicy, 'targets'>, priority: Priority): Record<SlaMetric, number | null> {
  const t = p.targets[priority];
  return { first_response: t?.firstResponseMinutes ?? null, resolution: t?.resolutionMinutes ?? null };
}
