// Automatic assignment decisions — pure: who gets a new ticket, given the rules, the team's
// members with their availability and load, and the team's round-robin cursor. The service
// (src/lib/server/assignment) loads these facts under a lock on the cursor and applies the result.
import { z } from 'zod';

export const ASSIGNMENT_METHODS = ['manual', 'round_robin', 'least_loaded'] as const;
export type AssignmentMethod = (typeof ASSIGNMENT_METHODS)[number];
const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;

export const AssignmentConditions = z
  .object({
    categoryIds: z.array(z.uuid()).max(100).optional(),
    priorities: z.array(z.enum(PRIORITIES)).max(4).optional(),
    requesterIds: z.array(z.uuid()).max(100).optional(),
    keywords: z.array(z.string().trim().min(1).max(100)).max(50).optional()
  })
  .strict();
export type AssignmentConditions = z.infer<typeof AssignmentConditions>;

export const AssignmentRuleBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    position: z.number().int().min(0).max(1_000_000).default(0),
    active: z.boolean().default(true),
    conditions: AssignmentConditions.default({}),
    teamId: z.uuid().nullable().default(null),
    agentId: z.uuid().nullable().default(null),
    method: z.enum(ASSIGNMENT_METHODS).nullable().default(null)
  })
  .strict()
  .refine((r) => r.teamId || r.agentId, { message: 'give a team, an agent or both', path: ['teamId'] });
export type AssignmentRuleBody = z.infer<typeof AssignmentRuleBody>;

export interface AssignmentRule {
  id: string;
  name: string;
  position: number;
  conditions: AssignmentConditions;
  teamId: string | null;
  agentId: string | null;
  method: AssignmentMethod | null;
}

export interface TicketFacts {
  subject: string;
  description: string | null;
  priority: string;
  categoryId: string | null;
  requesterId: string;
}

export interface Agent {
  id: string;
  available: boolean;
  outOfOfficeFrom: Date | null;
  outOfOfficeUntil: Date | null;
  /** Open tickets assigned to them (least-loaded). */
  openTickets: number;
}

/** Available now: the flag is on and `now` is outside any out-of-office window. */
export function isAvailable(a: Pick<Agent, 'available' | 'outOfOfficeFrom' | 'outOfOfficeUntil'>, now: Date): boolean {
  if (!a.available) return false;
  const from = a.outOfOfficeFrom?.getTime() ?? -Infinity;
  const until = a.outOfOfficeUntil?.getTime() ?? Infinity;
  if (a.outOfOfficeFrom || a.outOfOfficeUntil) return !(now.getTime() >= from && now.getTime() < until);
  return true;
}

const words = (s: string) => s.toLowerCase();

/** Every condition given must hold; keywords match as whole words or phrases in subject or description, any of them. */
export function ruleMatches(c: AssignmentConditions, t: TicketFacts): boolean {
  if (c.categoryIds?.length && (!t.categoryId || !c.categoryIds.includes(t.categoryId))) return false;
  if (c.priorities?.length && !c.priorities.includes(t.priority as (typeof PRIORITIES)[number])) return false;
  if (c.requesterIds?.length && !c.requesterIds.includes(t.requesterId)) return false;
  if (c.keywords?.length) {
    const text = words(`${t.subject}\n${t.description ?? ''}`);
    const hit = c.keywords.some((k) => {
      const esc = words(k).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return new RegExp(`(^|[^\\p{L}\\p{N}])${esc}($|[^\\p{L}\\p{N}])`, 'u').test(text);
    });
    if (!hit) return false;
  }
  return true;
}

/** The first matching rule in order (position, then the given order). */
export function firstMatch(rules: readonly AssignmentRule[], t: TicketFacts): AssignmentRule | null {
  const sorted = rules.map((r, i) => ({ r, i })).sort((a, b) => a.r.position - b.r.position || a.i - b.i);
  return sorted.find(({ r }) => ruleMatches(r.conditions, t))?.r ?? null;
}

/**
 * Round-robin: the next available member after the one who got the last ticket, in a stable
 * order (member id). Unavailable members are skipped without losing their place in the cycle.
 */
export function pickRoundRobin(memberIds: readonly string[], availableIds: ReadonlySet<string>, lastUserId: string | null): string | null {
  const order = [...memberIds].sort();
  if (!order.length) return null;
  const start = lastUserId ? order.findIndex((id) => id > lastUserId) : 0;
  const from = start < 0 ? 0 : start;
  for (let k = 0; k < order.length; k++) {
    const id = order[(from + k) % order.length];
    if (availableIds.has(id)) return id;
  }
  return null;
}

/** Least-loaded: fewest open tickets among available agents; a tie goes round-robin from the cursor. */
export function pickLeastLoaded(agents: readonly Agent[], now: Date, lastUserId: string | null): string | null {
  const avail = agents.filter((a) => isAvailable(a, now));
  if (!avail.length) return null;
  const min = Math.min(...avail.map((a) => a.openTickets));
  const tied = avail.filter((a) => a.openTickets === min).map((a) => a.id);
  return pickRoundRobin(tied, new Set(tied), lastUserId);
}

export interface Decision {
  teamId: string | null;
  agentId: string | null;
  /** Why: the rule's name, or the team's method. */
  reason: string;
  ruleId: string | null;
  /** Whether the team cursor moved (round-robin / least-loaded picked agentId). */
  advancedCursor: boolean;
}

/** Picks an agent in a team by its method; manual (or nobody available) leaves the ticket in the team queue. */
export function pickInTeam(method: AssignmentMethod, members: readonly Agent[], now: Date, lastUserId: string | null): string | null {
  if (method === 'manual') return null;
  if (method === 'least_loaded') return pickLeastLoaded(members, now, lastUserId);
  return pickRoundRobin(
    members.map((m) => m.id),
    new Set(members.filter((m) => isAvailable(m, now)).map((m) => m.id)),
    lastUserId
  );
}

export const Availability = z
  .object({
    available: z.boolean(),
    outOfOfficeFrom: z.iso.datetime({ offset: true }).nullable().default(null),
    outOfOfficeUntil: z.iso.datetime({ offset: true }).nullable().default(null)
  })
  .strict()
  .refine((a) => !a.outOfOfficeFrom || !a.outOfOfficeUntil || Date.parse(a.outOfOfficeFrom) < Date.parse(a.outOfOfficeUntil), {
    message: 'must be after outOfOfficeFrom',
    path: ['outOfOfficeUntil']
  });
export type Availability = z.infer<typeof Availability>;

export const AvailabilityView = z
  .object({ available: z.boolean(), outOfOfficeFrom: z.string().nullable(), outOfOfficeUntil: z.string().nullable(), availableNow: z.boolean() })
  .meta({ id: 'Availability' });
export const AssignmentRuleView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    position: z.number(),
    active: z.boolean(),
    conditions: AssignmentConditions,
    teamId: z.uuid().nullable(),
    agentId: z.uuid().nullable(),
    method: z.enum(ASSIGNMENT_METHODS).nullable(),
    updatedAt: z.string()
  })
  .meta({ id: 'AssignmentRule' });
