// The SLA engine's server side. A ticket's clock is never updated incrementally: every change
// replays the ticket's inputs through the pure clock (src/lib/domain/sla/clock.ts) and reconciles
// the result with what is recorded:
//   inputs = policy decisions (recorded start / policy_changed / target_changed events with their
//            policy snapshot) + status moves from ticket_history (device time) + first_response_at
//   output = timeline → sla_events (append what is new; mark superseded what a replay no longer
//            produces), clocks → the cached columns on tickets (due, breached, paused).
// A new policy decision is recorded when the ticket's facts (priority, type, category, team, …) now
// match another policy or other targets than the last decision.
//
// sync() runs inside the caller's transaction with the ticket row already locked (the ticket
// service's hook), so writes to one ticket's clock are serialised. checkBreaches() locks the
// tickets it handles with SKIP LOCKED, so two workers split the work instead of doubling it; the
// unique index on live breaches is the last guard.
import type { Insertable, Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { DB } from '../db/schema';
import type { SlaEventsTable } from '../db/schema-service-desk';
import type { RequestContext } from '../context';
import { slaRepo } from './repository';
import { recordAudit } from '../audit/service';
import { AppError } from '$lib/domain/common/errors';
import { can } from '$lib/domain/auth/permissions';
import type { MutationTiming } from '$lib/domain/mutations/clock';
import { businessProgress } from '$lib/domain/sla/progress';
import { ALWAYS, compileCalendar, type Calendar, type CalendarDef, type WeeklyHours, type Holiday } from '$lib/domain/sla/calendar';
import { computeSla, type PolicyInput, type SlaInput, type SlaResult, type SlaTimelineEvent } from '$lib/domain/sla/clock';
import { matchPolicy, readConditions, readTargets, targetsFor, type SlaPolicy, type TicketFacts } from '$lib/domain/sla/policy';
import type { CalendarBody, CalendarPatch, PolicyBody, PolicyPatch } from '$lib/domain/sla/schemas';
import type { Priority, TicketStatus } from '$lib/domain/tickets/schemas';

type Db = Kysely<DB>;
type TicketRow = NonNullable<Awaited<ReturnType<typeof slaRepo.ticket>>>;
type EventRow = Awaited<ReturnType<typeof slaRepo.events>>[number];
type PolicyRow = Awaited<ReturnType<typeof slaRepo.listPolicies>>[number];
type CalendarRow = Awaited<ReturnType<typeof slaRepo.listCalendars>>[number];

const POLICY_KINDS = new Set(['start', 'policy_changed', 'target_changed']);
const invalid = (field: string, message: string) => new AppError('validation', `${field}: ${message}`, { fields: [{ field, message }] });

// Compiled calendars are cached per process, keyed by id and last update (their day windows are
// cached inside, so a warm calendar costs no Intl calls).
const compiled = new Map<string, { stamp: number; cal: Calendar }>();
function calendarOf(row: { id: string; time_zone: string; weekly_hours: unknown; holidays: unknown; updated_at: Date }): Calendar {
  const hit = compiled.get(row.id);
  if (hit && hit.stamp === row.updated_at.getTime()) return hit.cal;
  let cal: Calendar;
  try {
    cal = compileCalendar({ timeZone: row.time_zone, weeklyHours: row.weekly_hours as WeeklyHours, holidays: (row.holidays ?? []) as Holiday[] } satisfies CalendarDef);
  } catch {
    cal = compileCalendar(null); // an unusable zone: round the clock rather than no clock
  }
  compiled.set(row.id, { stamp: row.updated_at.getTime(), cal });
  return cal;
}

export interface SlaConfig {
  policies: (SlaPolicy & { name: string })[];
  calendars: Map<string, Calendar>;
  calendarRows: Map<string, { id: string; name: string; time_zone: string }>;
  defaultCalendarId: string | null;
}

// The configuration is read at most every CONFIG_TTL_MS per process (every ticket change needs it);
// writes through this process's admin API drop it at once. On other instances an edit is seen within
// the TTL, which is harmless: decisions already recorded keep their snapshot either way.
const CONFIG_TTL_MS = 5_000;
let cached: { at: number; cfg: SlaConfig } | null = null;
export function invalidateSlaConfig() {
  cached = null;
}
/** The SLA configuration, from the per-process cache when fresh (reads through `db`, e.g. a transaction, otherwise). */
export async function slaConfig(db: Db): Promise<SlaConfig> {
  if (cached && Date.now() - cached.at < CONFIG_TTL_MS) return cached.cfg;
  const cfg = await loadSlaConfig(db);
  cached = { at: Date.now(), cfg };
  return cfg;
}

export async function loadSlaConfig(db: Db): Promise<SlaConfig> {
  const [policies, calendars] = await Promise.all([slaRepo.activePolicies(db), slaRepo.calendars(db)]);
  return {
    policies: policies.flatMap((p) => {
      const conditions = readConditions(p.conditions);
      return conditions
        ? [{ id: p.id, name: p.name, conditions, targets: readTargets(p.targets), calendarId: p.calendar_id, pauseStatuses: p.pause_statuses, warningPercent: p.warning_percent, position: p.position }]
        : [];
    }),
    calendars: new Map(calendars.map((c) => [c.id, calendarOf(c)])),
    calendarRows: new Map(calendars.map((c) => [c.id, c])),
    defaultCalendarId: calendars.find((c) => c.is_default && !c.deleted_at)?.id ?? null
  };
}

const factsOf = (t: TicketRow): TicketFacts => ({
  priority: t.priority as Priority,
  typeId: t.type_id,
  typeKey: t.type_key ?? null,
  categoryId: t.category_id,
  teamId: t.team_id,
  requesterId: t.requester_id,
  source: t.source,
  tags: t.tags ?? []
});

/** The policy decision the ticket's current facts call for (policyId null: no policy applies). */
export function decide(cfg: SlaConfig, facts: TicketFacts, at: Date): PolicyInput {
  const p = matchPolicy(cfg.policies, facts);
  if (!p) return { kind: 'policy', at, policyId: null, calendarId: null, priority: facts.priority, pauseStatuses: [], targets: { first_response: null, resolution: null } };
  return {
    kind: 'policy',
    at,
    policyId: p.id,
    calendarId: p.calendarId ?? cfg.defaultCalendarId,
    priority: facts.priority,
    pauseStatuses: [...p.pauseStatuses],
    targets: targetsFor(p, facts.priority),
    warningPercent: p.warningPercent
  };
}

/** A recorded decision back into a clock input. */
function decisionOf(e: EventRow): PolicyInput | null {
  const p = (e.details as { policy?: Record<string, any> })?.policy;
  if (!p || typeof p !== 'object') return null;
  return {
    kind: 'policy',
    at: e.occurred_at,
    policyId: e.policy_id,
    calendarId: p.calendarId ?? null,
    priority: p.priority,
    pauseStatuses: Array.isArray(p.pauseStatuses) ? p.pauseStatuses : [],
    targets: { first_response: p.targets?.first_response ?? null, resolution: p.targets?.resolution ?? null },
    ...(typeof p.warningPercent === 'number' ? { warningPercent: p.warningPercent } : {})
  };
}
const sameDecision = (a: PolicyInput, b: PolicyInput) =>
  a.policyId === b.policyId && a.calendarId === b.calendarId && a.priority === b.priority && a.warningPercent === b.warningPercent &&
  JSON.stringify(a.targets) === JSON.stringify(b.targets) && JSON.stringify([...a.pauseStatuses].sort()) === JSON.stringify([...b.pauseStatuses].sort());

/** JSON with object keys sorted (jsonb does not keep key order). */
function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

/** Identity of a timeline event: replays produce the same key for the same event. */
function keyOf(kind: string, target: string | null, at: Date, details: unknown): string {
  const policy = POLICY_KINDS.has(kind) ? canon((details as { policy?: unknown })?.policy ?? null) : '';
  return `${kind}|${target ?? ''}|${at.getTime()}|${policy}`;
}

export interface SyncTiming {
  /** The instant the clock is evaluated at (server time). */
  now: Date;
  /** When the triggering change happened (clamped device time), if a change triggered this. */
  deviceTime?: Date;
  /** The raw device time of an offline change, recorded beside the clamped one. */
  clientTime?: Date;
}

export interface SyncOutcome {
  result: SlaResult | null;
  inserted: { id: string; kind: string; target: string | null; occurred_at: Date }[];
  superseded: number;
}

export const timingOf = (t: MutationTiming): SyncTiming => ({
  now: t.serverTime,
  deviceTime: t.deviceTime,
  clientTime: t.mutationId ? t.clientTime : undefined
});

type HistoryRow = { new_value: unknown; device_time: Date | null; created_at: Date };

/** The clock inputs of a ticket: recorded decisions (+ one new decision when the facts call for it), status moves, first reply. */
async function inputsOf(db: Db, cfg: SlaConfig, ticket: TicketRow, recorded: EventRow[], t: SyncTiming, history?: HistoryRow[]) {
  return inputsFrom(cfg, ticket, recorded, t, history ?? (await slaRepo.statusHistory(db, ticket.id)));
}
function inputsFrom(cfg: SlaConfig, ticket: TicketRow, recorded: EventRow[], t: SyncTiming, history: HistoryRow[]) {
  const decisions = recorded.filter((e) => POLICY_KINDS.has(e.kind)).map(decisionOf).filter((d): d is PolicyInput => d !== null);
  const startAt = ticket.client_created_at ?? ticket.created_at;
  const last = decisions.at(-1);
  const wanted = decide(cfg, factsOf(ticket), last ? new Date(Math.max((t.deviceTime ?? t.now).getTime(), last.at.getTime())) : startAt);
  if (!last ? wanted.policyId !== null : !sameDecision(last, wanted)) decisions.push(wanted);
  const inputs: SlaInput[] = [...decisions];
  for (const h of history) {
    if (typeof h.new_value === 'string') inputs.push({ kind: 'status', at: h.device_time ?? h.created_at, to: h.new_value as TicketStatus });
  }
  if (ticket.first_response_at) inputs.push({ kind: 'first_response', at: ticket.first_response_at });
  return inputs;
}

export type Plan = {
  ticketId: string;
  result: SlaResult;
  rows: Insertable<SlaEventsTable>[];
  stale: string[];
  /** The cached columns when they differ from the row, else null. */
  cols: SlaColumns | null;
};
export type SlaColumns = {
  sla_policy_id: string | null;
  first_response_due_at: Date | null;
  resolution_due_at: Date | null;
  first_response_breached_at: Date | null;
  resolution_breached_at: Date | null;
  sla_paused: boolean;
  sla_paused_at: Date | null;
  sla_paused_seconds: number;
};

/** Replays one ticket and works out what to write (nothing is written here). */
async function planTicketSla(
  db: Db,
  ticketId: string,
  t: SyncTiming,
  cfg: SlaConfig,
  preloaded?: { ticket: TicketRow | undefined; events: EventRow[]; history: HistoryRow[] }
): Promise<Plan | null> {
  const ticket = preloaded ? preloaded.ticket : await slaRepo.ticket(db, ticketId);
  if (!ticket || ticket.deleted_at) return null;
  const recorded = preloaded ? preloaded.events : await slaRepo.events(db, ticketId);
  const history = preloaded ? preloaded.history : await slaRepo.statusHistory(db, ticketId);
  return planFrom(ticketId, t, cfg, ticket, recorded, history);
}

/** planTicketSla on rows already read (no I/O). */
function planFrom(ticketId: string, t: SyncTiming, cfg: SlaConfig, ticket: TicketRow, recorded: EventRow[], history: HistoryRow[]): Plan | null {
  const inputs = inputsFrom(cfg, ticket, recorded, t, history);
  if (!inputs.some((i) => i.kind === 'policy')) return null;
  const result = computeSla(inputs, { calendars: cfg.calendars, now: t.now });

  // Nothing recorded yet (a new ticket): every event is new and none is stale, no identities needed.
  const have = recorded.length ? new Map(recorded.map((e) => [keyOf(e.kind, e.target, e.occurred_at, e.details), e])) : null;
  const produced = new Set<string>();
  const rows: Insertable<SlaEventsTable>[] = [];
  for (const e of result.timeline) {
    if (have) {
      const key = keyOf(e.kind, e.target, e.at, e.details);
      produced.add(key);
      if (have.has(key)) continue;
    }
    const fromDevice = t.clientTime && t.deviceTime && e.at.getTime() === t.deviceTime.getTime() && t.clientTime.getTime() !== t.now.getTime();
    rows.push({
      id: uuidv7(),
      ticket_id: ticketId,
      policy_id: e.policyId,
      kind: e.kind,
      target: e.target,
      occurred_at: e.at,
      device_time: fromDevice ? t.clientTime! : null,
      due_at: e.dueAt,
      details: JSON.stringify(e.details),
      created_at: t.now,
      updated_at: t.now
    });
  }
  const stale = recorded.filter((e) => !produced.has(keyOf(e.kind, e.target, e.occurred_at, e.details))).map((e) => e.id);
  const fr = result.clocks.first_response;
  const res = result.clocks.resolution;
  const cols: SlaColumns = {
    sla_policy_id: result.policyId,
    first_response_due_at: fr.dueAt,
    resolution_due_at: res.dueAt,
    first_response_breached_at: fr.breachedAt,
    resolution_breached_at: res.breachedAt,
    sla_paused: result.paused,
    sla_paused_at: result.pausedAt,
    sla_paused_seconds: Math.round(result.pausedMinutes * 60)
  };
  const same = (a: unknown, b: unknown) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b);
  const changed = Object.entries(cols).some(([k, v]) => !same(ticket[k as keyof SlaColumns], v));
  return { ticketId, result, rows, stale, cols: changed ? cols : null };
}

/** The facts of a ticket about to be created, as the SLA engine reads them. */
export interface NewTicketFacts {
  id: string;
  priority: Priority;
  typeId: string | null;
  typeKey: string | null;
  categoryId: string | null;
  teamId: string | null;
  requesterId: string;
  source: string;
  tags: string[];
  createdAt: Date;
  clientCreatedAt: Date | null;
}

/**
 * The SLA state of a ticket that is about to be inserted: the cached columns to insert with it and
 * the events to record, computed before the insert (no I/O) so the row is written once. The same
 * replay syncTicketSla would run right after the insert (no events, no status moves, no reply yet).
 */
export function planNewTicketSla(cfg: SlaConfig, f: NewTicketFacts, t: SyncTiming): { cols: SlaColumns; rows: Insertable<SlaEventsTable>[] } {
  const row = {
    id: f.id,
    status: 'new',
    priority: f.priority,
    type_id: f.typeId,
    type_key: f.typeKey,
    category_id: f.categoryId,
    team_id: f.teamId,
    requester_id: f.requesterId,
    source: f.source,
    tags: f.tags,
    created_at: f.createdAt,
    client_created_at: f.clientCreatedAt,
    first_response_at: null,
    sla_policy_id: null,
    first_response_due_at: null,
    resolution_due_at: null,
    first_response_breached_at: null,
    resolution_breached_at: null,
    sla_paused: false,
    sla_paused_at: null,
    sla_paused_seconds: 0,
    deleted_at: null
  } as unknown as TicketRow;
  const plan = planFrom(f.id, t, cfg, row, [], []);
  if (!plan) return { cols: NO_SLA, rows: [] };
  return { cols: plan.cols ?? NO_SLA, rows: plan.rows };
}
const NO_SLA: SlaColumns = {
  sla_policy_id: null,
  first_response_due_at: null,
  resolution_due_at: null,
  first_response_breached_at: null,
  resolution_breached_at: null,
  sla_paused: false,
  sla_paused_at: null,
  sla_paused_seconds: 0
};

/** Writes plans: supersedes, appends events (one insert) and updates the cached columns. */
async function applyPlans(db: Db, plans: Plan[], now: Date) {
  await slaRepo.supersede(db, plans.flatMap((p) => p.stale), now);
  const inserted = await slaRepo.insertEvents(db, plans.flatMap((p) => p.rows));
  await slaRepo.updateSlaColumns(db, plans.flatMap((p) => (p.cols ? [{ id: p.ticketId, ...p.cols }] : [])));
  return inserted;
}

/**
 * Re-derives one ticket's clocks and records the difference. Call inside the transaction that
 * changed the ticket (row locked), or under the breach sweep's lock.
 */
/**
 * For a write about to change some plain columns of a locked ticket (not its type, whose key comes
 * from a join, nor its status or first response, which are read from history and the row): the
 * plan of the ticket as it will be, so the write carries the cached columns and new events in its
 * own statement instead of a replay afterwards. Same inputs as syncTicketSla after the write.
 * Null: no policy applies.
 */
export async function planTicketEdit(db: Db, ticketId: string, set: Partial<TicketRow>, t: SyncTiming, inputs?: EditInputs): Promise<Plan | null> {
  const config = await slaConfig(db);
  const loaded = inputs ?? (await slaRepo.ticketWithInputs(db, ticketId));
  if (!loaded?.ticket || loaded.ticket.deleted_at) return null;
  return planFrom(ticketId, t, config, { ...loaded.ticket, ...set }, loaded.events, loaded.history);
}

export type EditInputs = NonNullable<Awaited<ReturnType<typeof slaRepo.ticketWithInputs>>>;

/**
 * A ticket about to be edited, locked, with the inputs planTicketEdit needs, in one round trip;
 * `columns`: the row's columns the write decides on. Null when there is no such ticket.
 */
export function lockWithSlaInputs(db: Db, ticketId: string, columns: readonly string[]): Promise<EditInputs | null> {
  return slaRepo.ticketWithInputs(db, ticketId, { columns });
}

/** Marks a plan's stale events superseded (the write that carries the plan calls it first). */
export async function supersedeStale(db: Db, plan: Plan, at: Date) {
  await slaRepo.supersede(db, plan.stale, at);
}

export async function syncTicketSla(db: Db, ticketId: string, t: SyncTiming, cfg?: SlaConfig): Promise<SyncOutcome> {
  const config = cfg ?? (await slaConfig(db));
  const loaded = await slaRepo.ticketWithInputs(db, ticketId); // one round trip for the row and both input lists
  const plan = await planTicketSla(db, ticketId, t, config, { ticket: loaded?.ticket, events: loaded?.events ?? [], history: loaded?.history ?? [] });
  if (!plan) return { result: null, inserted: [], superseded: 0 };
  const inserted = await applyPlans(db, [plan], t.now);
  return { result: plan.result, inserted, superseded: plan.stale.length };
}

const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);
const clockView = (c: SlaResult['clocks']['first_response']) => ({
  ...c,
  startedAt: isoOrNull(c.startedAt),
  dueAt: isoOrNull(c.dueAt),
  warningAt: isoOrNull(c.warningAt),
  breachedAt: isoOrNull(c.breachedAt),
  stoppedAt: isoOrNull(c.stoppedAt)
});

const policyView = (r: PolicyRow) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  conditions: (r.conditions ?? {}) as Record<string, unknown>,
  targets: (r.targets ?? {}) as Record<string, unknown>,
  calendarId: r.calendar_id,
  pauseStatuses: r.pause_statuses,
  warningPercent: r.warning_percent,
  active: r.active,
  position: r.position,
  updatedAt: r.updated_at.toISOString()
});
const calendarView = (r: CalendarRow) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  timeZone: r.time_zone,
  weeklyHours: r.weekly_hours as Record<string, [string, string][]>,
  holidays: (r.holidays ?? []) as Holiday[],
  isDefault: r.is_default,
  updatedAt: r.updated_at.toISOString()
});

/** Unique-name violations (a concurrent create) as a 409 naming the field. */
async function uniqueName<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if ((e as { code?: string })?.code === '23505') throw new AppError('conflict', 'name: is already used', { fields: [{ field: 'name', message: 'is already used' }] });
    throw e;
  }
}

export class SlaService {
  constructor(private readonly db: Db) {}

  /** See syncTicketSla; for callers that hold a transaction. */
  sync(trx: Db, ticketId: string, t: SyncTiming) {
    return syncTicketSla(trx, ticketId, t);
  }

  /**
   * Records breaches whose due instant has passed by `now`, idempotently: safe to run on several
   * workers at once (each ticket is locked with SKIP LOCKED and re-derived; a breach already
   * recorded is not recorded again). Returns the breaches this call recorded.
   */
  async checkBreaches(now = new Date(), opts: { batchSize?: number } = {}) {
    const batch = opts.batchSize ?? 200;
    const cfg = await loadSlaConfig(this.db);
    let after: string | null = null;
    let checked = 0;
    let skipped = 0;
    const breached: { ticketId: string; target: string | null; at: string }[] = [];
    for (;;) {
      const ids: string[] = (await slaRepo.breachCandidates(this.db, now, after, batch)).map((r) => r.id);
      if (!ids.length) break;
      after = ids[ids.length - 1];
      await this.db.transaction().execute(async (trx) => {
        const locked = (await slaRepo.lockAvailable(trx, ids)).map((r) => r.id);
        skipped += ids.length - locked.length;
        // Read the batch's rows in three queries; per ticket only the writes remain.
        const tickets = await slaRepo.ticketsByIds(trx, locked);
        const events = await slaRepo.eventsOf(trx, locked);
        const history = await slaRepo.statusHistoryOf(trx, locked);
        const group = <R extends { ticket_id: string }>(rows: R[]) => {
          const m = new Map<string, R[]>();
          for (const r of rows) m.set(r.ticket_id, [...(m.get(r.ticket_id) ?? []), r]);
          return m;
        };
        const ev = group(events);
        const hi = group(history);
        const tk = new Map(tickets.map((r) => [r.id, r]));
        const plans: Plan[] = [];
        for (const id of locked) {
          const plan = await planTicketSla(trx, id, { now }, cfg, { ticket: tk.get(id), events: ev.get(id) ?? [], history: hi.get(id) ?? [] });
          if (plan) plans.push(plan);
          checked++;
        }
        for (const e of await applyPlans(trx, plans, now)) if (e.kind === 'breached') breached.push({ ticketId: e.ticket_id, target: e.target, at: e.occurred_at.toISOString() });
      });
      if (ids.length < batch) break;
    }
    return { checked, skipped, breached };
  }

  /**
   * Progress of every running target of open tickets at `now` in BUSINESS time (the policy's
   * calendar, pauses excluded), for escalation's "at N % of a target" thresholds. Computed from the
   * row's cached clock columns and the decision in force (src/lib/domain/sla/progress.ts), not by
   * replaying each ticket. A ticket whose columns were set without a recorded decision falls back
   * to wall-clock time (as WallClockSlaChecks measures).
   */
  async progress(now = new Date()): Promise<{ ticketId: string; target: 'first_response' | 'resolution'; percent: number; breached: boolean }[]> {
    const cfg = await slaConfig(this.db);
    const out: { ticketId: string; target: 'first_response' | 'resolution'; percent: number; breached: boolean }[] = [];
    for (const r of await slaRepo.progressRows(this.db)) {
      const policy = r.decision?.policy;
      const calendar = (policy?.calendarId && cfg.calendars.get(policy.calendarId)) || ALWAYS;
      const metrics = [
        ['first_response', r.first_response_at ? null : r.first_response_due_at, r.first_response_breached_at],
        ['resolution', r.resolution_due_at, r.resolution_breached_at]
      ] as const;
      for (const [target, due, breachedAt] of metrics) {
        if (!due) continue;
        const minutes = policy?.targets?.[target];
        if (typeof minutes === 'number') {
          out.push({ ticketId: r.id, target, ...businessProgress({ now, calendar, targetMinutes: minutes, dueAt: due, paused: r.sla_paused, pausedAt: r.sla_paused_at, breachedAt }) });
        } else {
          const eff = r.sla_paused && r.sla_paused_at && r.sla_paused_at < now ? r.sla_paused_at : now;
          const span = due.getTime() - r.created_at.getTime();
          const percent = span <= 0 ? 100 : Math.max(0, Math.round(((eff.getTime() - r.created_at.getTime() - r.sla_paused_seconds * 1000) / span) * 10_000) / 100);
          out.push({ ticketId: r.id, target, percent, breached: breachedAt !== null || eff > due });
        }
      }
    }
    return out;
  }

  /** The ticket's clocks and timeline as of now, for anyone who may read the ticket. */
  async timeline(ctx: RequestContext, ticketId: string, now = new Date()) {
    const ticket = await slaRepo.ticket(this.db, ticketId);
    if (!ticket || ticket.deleted_at || !can(ctx.actor, 'tickets.read', { requesterId: ticket.requester_id })) {
      throw new AppError('not_found', 'id: no such ticket', { fields: [{ field: 'id', message: 'no such ticket' }] });
    }
    const cfg = await loadSlaConfig(this.db);
    const all = await slaRepo.events(this.db, ticketId, { superseded: true });
    const recorded = all.filter((e) => !e.superseded_at);
    const inputs = await inputsOf(this.db, cfg, ticket, recorded, { now });
    const result = inputs.some((i) => i.kind === 'policy') ? computeSla(inputs, { calendars: cfg.calendars, now }) : null;
    const byKey = new Map(recorded.map((e) => [keyOf(e.kind, e.target, e.occurred_at, e.details), e]));
    const ev = (e: SlaTimelineEvent) => {
      const rec = byKey.get(keyOf(e.kind, e.target, e.at, e.details));
      return { kind: e.kind, target: e.target, at: e.at.toISOString(), dueAt: isoOrNull(e.dueAt), policyId: e.policyId, details: e.details, recorded: !!rec, deviceTime: isoOrNull(rec?.device_time ?? null) };
    };
    const policyName = result?.policyId ? ((await slaRepo.listPolicies(this.db)).find((p) => p.id === result.policyId)?.name ?? cfg.policies.find((p) => p.id === result.policyId)?.name ?? '') : '';
    const cal = result?.calendarId ? cfg.calendarRows.get(result.calendarId) : undefined;
    const none = (metric: 'first_response' | 'resolution') => ({ metric, state: 'none' as const, targetMinutes: null, startedAt: null, dueAt: null, warningAt: null, elapsedMinutes: 0, remainingMinutes: null, breachedAt: null, stoppedAt: null });
    return {
      ticketId,
      asOf: (result?.asOf ?? now).toISOString(),
      policy: result?.policyId ? { id: result.policyId, name: policyName } : null,
      calendar: cal ? { id: cal.id, name: cal.name, timeZone: cal.time_zone } : null,
      status: ticket.status,
      paused: result?.paused ?? false,
      pausedMinutes: result?.pausedMinutes ?? 0,
      clocks: result
        ? { first_response: clockView(result.clocks.first_response), resolution: clockView(result.clocks.resolution) }
        : { first_response: none('first_response'), resolution: none('resolution') },
      timeline: result ? result.timeline.map(ev) : [],
      superseded: all
        .filter((e) => e.superseded_at)
        .map((e) => ({
          kind: e.kind as SlaTimelineEvent['kind'],
          target: e.target,
          at: e.occurred_at.toISOString(),
          dueAt: isoOrNull(e.due_at),
          policyId: e.policy_id,
          details: (e.details ?? {}) as Record<string, unknown>,
          recorded: true,
          deviceTime: isoOrNull(e.device_time),
          supersededAt: e.superseded_at!.toISOString()
        }))
    };
  }

  // ── Admin: policies ─────────────────────────────────────────────────────────────────────
  #admin(ctx: RequestContext) {
    if (!can(ctx.actor, 'sla.manage')) throw new AppError('forbidden', 'You may not manage SLA policies and calendars');
  }

  /** Runs an admin write and drops the cached configuration once it has committed. */
  async #write<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      invalidateSlaConfig();
    }
  }

  async listPolicies(ctx: RequestContext) {
    this.#admin(ctx);
    return { items: (await slaRepo.listPolicies(this.db)).map(policyView) };
  }

  async #checkCalendar(trx: Db, id: string | null | undefined) {
    if (id && !(await slaRepo.calendar(trx, id))) throw invalid('calendarId', 'no such calendar');
  }

  async createPolicy(ctx: RequestContext, body: PolicyBody) {
    this.#admin(ctx);
    return this.#write(() => uniqueName(() =>
      this.db.transaction().execute(async (trx) => {
        await this.#checkCalendar(trx, body.calendarId);
        if (await slaRepo.nameTaken(trx, 'sla_policies', body.name, null)) throw new AppError('conflict', 'name: is already used', { fields: [{ field: 'name', message: 'is already used' }] });
        const row = await slaRepo.insertPolicy(trx, {
          id: uuidv7(),
          name: body.name,
          description: body.description ?? null,
          conditions: JSON.stringify(body.conditions),
          targets: JSON.stringify(body.targets),
          calendar_id: body.calendarId,
          pause_statuses: body.pauseStatuses,
          warning_percent: body.warningPercent,
          escalation: JSON.stringify({}),
          active: body.active,
          position: body.position,
          created_by: ctx.actor.id,
          updated_by: ctx.actor.id
        });
        const view = policyView(row);
        await recordAudit(trx, ctx, { action: 'sla_policy.create', entityType: 'sla_policy', entityId: row.id, before: null, after: view });
        return view;
      })
    ));
  }

  async updatePolicy(ctx: RequestContext, id: string, patch: PolicyPatch) {
    this.#admin(ctx);
    return this.#write(() => uniqueName(() =>
      this.db.transaction().execute(async (trx) => {
        const cur = await slaRepo.policy(trx, id);
        if (!cur) throw new AppError('not_found', 'id: no such SLA policy', { fields: [{ field: 'id', message: 'no such SLA policy' }] });
        if (patch.calendarId !== undefined) await this.#checkCalendar(trx, patch.calendarId);
        if (patch.name !== undefined && (await slaRepo.nameTaken(trx, 'sla_policies', patch.name, id))) {
          throw new AppError('conflict', 'name: is already used', { fields: [{ field: 'name', message: 'is already used' }] });
        }
        const row = await slaRepo.updatePolicy(trx, id, {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.conditions !== undefined ? { conditions: JSON.stringify(patch.conditions) } : {}),
          ...(patch.targets !== undefined ? { targets: JSON.stringify(patch.targets) } : {}),
          ...(patch.calendarId !== undefined ? { calendar_id: patch.calendarId } : {}),
          ...(patch.pauseStatuses !== undefined ? { pause_statuses: patch.pauseStatuses } : {}),
          ...(patch.warningPercent !== undefined ? { warning_percent: patch.warningPercent } : {}),
          ...(patch.active !== undefined ? { active: patch.active } : {}),
          ...(patch.position !== undefined ? { position: patch.position } : {}),
          updated_by: ctx.actor.id
        });
        const view = policyView(row);
        await recordAudit(trx, ctx, { action: 'sla_policy.update', entityType: 'sla_policy', entityId: id, before: policyView(cur), after: view });
        return view;
      })
    ));
  }

  async deletePolicy(ctx: RequestContext, id: string) {
    this.#admin(ctx);
    await this.#write(() => this.db.transaction().execute(async (trx) => {
      const cur = await slaRepo.policy(trx, id);
      if (!cur) throw new AppError('not_found', 'id: no such SLA policy', { fields: [{ field: 'id', message: 'no such SLA policy' }] });
      // Soft delete: recorded decisions keep referring to it; running clocks keep their snapshot.
      await slaRepo.updatePolicy(trx, id, { deleted_at: new Date(), active: false, updated_by: ctx.actor.id });
      await recordAudit(trx, ctx, { action: 'sla_policy.delete', entityType: 'sla_policy', entityId: id, before: policyView(cur), after: null });
    }));
  }

  // ── Admin: calendars ────────────────────────────────────────────────────────────────────
  async listCalendars(ctx: RequestContext) {
    this.#admin(ctx);
    return { items: (await slaRepo.listCalendars(this.db)).map(calendarView) };
  }

  async createCalendar(ctx: RequestContext, body: CalendarBody) {
    this.#admin(ctx);
    return this.#write(() => uniqueName(() =>
      this.db.transaction().execute(async (trx) => {
        if (await slaRepo.nameTaken(trx, 'business_calendars', body.name, null)) throw new AppError('conflict', 'name: is already used', { fields: [{ field: 'name', message: 'is already used' }] });
        const id = uuidv7();
        if (body.isDefault) await slaRepo.clearDefaultCalendar(trx, null);
        const row = await slaRepo.insertCalendar(trx, {
          id,
          name: body.name,
          description: body.description ?? null,
          time_zone: body.timeZone,
          weekly_hours: JSON.stringify(body.weeklyHours),
          holidays: JSON.stringify(body.holidays),
          is_default: body.isDefault,
          created_by: ctx.actor.id,
          updated_by: ctx.actor.id
        });
        const view = calendarView(row);
        await recordAudit(trx, ctx, { action: 'business_calendar.create', entityType: 'business_calendar', entityId: id, before: null, after: view });
        return view;
      })
    ));
  }

  async updateCalendar(ctx: RequestContext, id: string, patch: CalendarPatch) {
    this.#admin(ctx);
    return this.#write(() => uniqueName(() =>
      this.db.transaction().execute(async (trx) => {
        const cur = await slaRepo.calendar(trx, id);
        if (!cur) throw new AppError('not_found', 'id: no such calendar', { fields: [{ field: 'id', message: 'no such calendar' }] });
        if (patch.name !== undefined && (await slaRepo.nameTaken(trx, 'business_calendars', patch.name, id))) {
          throw new AppError('conflict', 'name: is already used', { fields: [{ field: 'name', message: 'is already used' }] });
        }
        if (patch.isDefault) await slaRepo.clearDefaultCalendar(trx, id);
        const row = await slaRepo.updateCalendar(trx, id, {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.timeZone !== undefined ? { time_zone: patch.timeZone } : {}),
          ...(patch.weeklyHours !== undefined ? { weekly_hours: JSON.stringify(patch.weeklyHours) } : {}),
          ...(patch.holidays !== undefined ? { holidays: JSON.stringify(patch.holidays) } : {}),
          ...(patch.isDefault ? { is_default: true } : {}),
          updated_by: ctx.actor.id
        });
        const view = calendarView(row);
        await recordAudit(trx, ctx, { action: 'business_calendar.update', entityType: 'business_calendar', entityId: id, before: calendarView(cur), after: view });
        return view;
      })
    ));
  }

  async deleteCalendar(ctx: RequestContext, id: string) {
    this.#admin(ctx);
    await this.#write(() => this.db.transaction().execute(async (trx) => {
      const cur = await slaRepo.calendar(trx, id);
      if (!cur) throw new AppError('not_found', 'id: no such calendar', { fields: [{ field: 'id', message: 'no such calendar' }] });
      if (cur.is_default) throw new AppError('conflict', 'isDefault: make another calendar the default first', { fields: [{ field: 'isDefault', message: 'make another calendar the default first' }] });
      const users = await slaRepo.livePoliciesUsingCalendar(trx, id);
      if (users.length) {
        const names = users.map((u) => u.name).join(', ');
        throw new AppError('conflict', `id: still used by ${names}`, { fields: [{ field: 'id', message: `still used by ${names}` }] });
      }
      await slaRepo.updateCalendar(trx, id, { deleted_at: new Date(), updated_by: ctx.actor.id });
      await recordAudit(trx, ctx, { action: 'business_calendar.delete', entityType: 'business_calendar', entityId: id, before: calendarView(cur), after: null });
    }));
  }
}
