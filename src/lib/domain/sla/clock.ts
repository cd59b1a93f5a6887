// The event-sourced SLA clock. Given a ticket's ordered inputs (policy decisions, status changes,
// the first public agent reply) and the calendars, it replays them and returns, per metric
// (first_response, resolution), the state, due instant, elapsed and remaining business minutes, and
// the timeline of SLA events. Same inputs + same `now` → same result, always (no I/O, no clock).
//
// Rules:
// - The clock starts at the first policy input. Each metric accumulates business time (in the
//   policy's calendar) while it runs; due = the instant the accumulated time reaches the target.
// - A status in the policy's pause statuses pauses every running metric; leaving it resumes them.
//   Time paused never counts, and due dates move out by it.
// - first_response stops at the first public agent reply (or when the ticket is resolved/closed);
//   resolution stops at resolved/closed and resumes (keeping its elapsed time) on reopen.
// - A stop before the due instant is `met`; a running metric that reaches its due is `breached`
//   at that instant, and a later stop is `stopped` (it stays breached).
// - A later policy input (priority/type/category/team changed → another policy or other targets)
//   keeps the elapsed time and recomputes due in the new calendar: `policy_changed` when the
//   policy differs, `target_changed` when only its targets or calendar do. A target tightened below
//   the time already elapsed breaches at the change.
// - Inputs are ordered by time, stably; inputs dated before the start are applied at the start.
import { addBusinessMs, businessMsBetween, ALWAYS, type Calendar } from './calendar';
import { SLA_METRICS, type SlaMetric } from './policy';
import type { Priority, TicketStatus } from '../tickets/schemas';

const MIN = 60_000;

/** A policy decision: which policy (and targets, calendar, pause statuses) applies from `at`. */
export interface PolicyInput {
  kind: 'policy';
  at: Date;
  policyId: string | null;
  calendarId: string | null;
  priority: Priority;
  pauseStatuses: readonly string[];
  targets: Record<SlaMetric, number | null>;
  warningPercent?: number;
}
export type SlaInput =
  | PolicyInput
  | { kind: 'status'; at: Date; to: TicketStatus }
  /** The first public reply by someone other than the requester. */
  | { kind: 'first_response'; at: Date };

export const SLA_EVENT_KINDS = ['start', 'pause', 'resume', 'met', 'breached', 'stopped', 'policy_changed', 'target_changed'] as const;
export type SlaEventKind = (typeof SLA_EVENT_KINDS)[number];

export interface SlaTimelineEvent {
  kind: SlaEventKind;
  /** null: concerns every running metric (start, pause, resume, policy/target changes). */
  target: SlaMetric | null;
  at: Date;
  policyId: string | null;
  /** The metric's due instant after this event (met/breached/stopped/resume of one metric). */
  dueAt: Date | null;
  details: Record<string, unknown>;
}

export type SlaState = 'none' | 'running' | 'paused' | 'met' | 'breached';

export interface SlaClock {
  metric: SlaMetric;
  state: SlaState;
  targetMinutes: number | null;
  startedAt: Date | null;
  dueAt: Date | null;
  /** When the running metric reaches the policy's warning percentage (null when not running or past it). */
  warningAt: Date | null;
  elapsedMinutes: number;
  remainingMinutes: number | null;
  breachedAt: Date | null;
  stoppedAt: Date | null;
}

export interface SlaResult {
  policyId: string | null;
  calendarId: string | null;
  priority: Priority | null;
  status: TicketStatus;
  paused: boolean;
  pausedAt: Date | null;
  /** Business minutes spent paused so far (including a pause still open at `now`). */
  pausedMinutes: number;
  clocks: Record<SlaMetric, SlaClock>;
  timeline: SlaTimelineEvent[];
  /** The instant the result describes (the later of `now` and the last input). */
  asOf: Date;
}

interface Metric {
  started: boolean;
  startedAt: number | null;
  stopped: boolean;
  stoppedAt: number | null;
  /** Business ms counted up to `since`. */
  elapsed: number;
  since: number;
  target: number | null;
  due: number | null;
  breachedAt: number | null;
}

const DONE: readonly string[] = ['resolved', 'closed'];
const round2 = (x: number) => Math.round(x * 100) / 100;
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export interface ClockOptions {
  /** Calendars by id; a policy without (or with an unknown) calendar runs round the clock. */
  calendars: ReadonlyMap<string, Calendar> | Record<string, Calendar>;
  now: Date;
}

export function computeSla(inputs: readonly SlaInput[], opts: ClockOptions): SlaResult {
  const calendars = opts.calendars instanceof Map ? opts.calendars : new Map(Object.entries(opts.calendars));
  const calOf = (id: string | null) => (id ? (calendars.get(id) ?? ALWAYS) : ALWAYS);
  const ordered = inputs.map((e, i) => ({ e, i, t: e.at.getTime() })).sort((a, b) => a.t - b.t || a.i - b.i);

  const timeline: SlaTimelineEvent[] = [];
  const metrics: Record<SlaMetric, Metric> = {
    first_response: { started: false, startedAt: null, stopped: false, stoppedAt: null, elapsed: 0, since: 0, target: null, due: null, breachedAt: null },
    resolution: { started: false, startedAt: null, stopped: false, stoppedAt: null, elapsed: 0, since: 0, target: null, due: null, breachedAt: null }
  };
  let policy: PolicyInput | null = null;
  let cal: Calendar = ALWAYS;
  let status: TicketStatus = 'new';
  let paused = false;
  let pausedSince = 0;
  let pausedMs = 0;
  let clock = Number.NEGATIVE_INFINITY; // the instant processed so far
  let startAt: number | null = null;

  const emit = (kind: SlaEventKind, target: SlaMetric | null, at: number, dueAt: number | null, details: Record<string, unknown> = {}) =>
    timeline.push({ kind, target, at: new Date(at), policyId: policy?.policyId ?? null, dueAt: dueAt === null ? null : new Date(dueAt), details });
  const active = (m: Metric) => m.started && !m.stopped;
  const running = (m: Metric) => active(m) && !paused;

  /** Moves every running metric to `to`, recording breaches in time order. */
  function advance(to: number) {
    if (to <= clock) return;
    const breaches: [number, SlaMetric][] = [];
    for (const k of SLA_METRICS) {
      const m = metrics[k];
      if (!running(m)) continue;
      if (m.due !== null && m.breachedAt === null && m.target !== null && m.due <= to) {
        m.breachedAt = m.due;
        breaches.push([m.due, k]);
      }
      m.elapsed += businessMsBetween(cal, m.since, to);
      m.since = to;
    }
    breaches.sort((a, b) => a[0] - b[0]);
    for (const [at, k] of breaches) emit('breached', k, at, at, { targetMinutes: metrics[k].target! / MIN });
    clock = to;
  }

  /** Due instant of a running metric from `at` (a target already used up is due now). */
  function redue(m: Metric, at: number) {
    if (m.target === null || !active(m)) return;
    m.due = m.target > m.elapsed ? addBusinessMs(cal, at, m.target - m.elapsed) : m.breachedAt ?? at;
  }

  function stop(k: SlaMetric, at: number, by: string) {
    const m = metrics[k];
    if (!active(m)) return;
    m.stopped = true;
    m.stoppedAt = at;
    if (m.target === null) return;
    emit(m.breachedAt === null ? 'met' : 'stopped', k, at, m.due, { by, elapsedMinutes: round2(m.elapsed / MIN), targetMinutes: m.target / MIN });
  }

  const anyActive = () => SLA_METRICS.some((k) => active(metrics[k]));

  function setPaused(want: boolean, at: number, reason: Record<string, unknown>, silent = false) {
    if (want === paused) return;
    if (want) {
      paused = true;
      pausedSince = at;
      if (!silent && anyActive()) emit('pause', null, at, null, reason);
    } else {
      const spent = businessMsBetween(cal, pausedSince, at);
      pausedMs += spent;
      paused = false;
      for (const k of SLA_METRICS) {
        const m = metrics[k];
        if (!active(m)) continue;
        m.since = at;
        redue(m, at);
      }
      if (!silent && anyActive()) emit('resume', null, at, null, { ...reason, pausedMinutes: round2(spent / MIN), dueAt: dues() });
    }
  }

  const dues = () => Object.fromEntries(SLA_METRICS.map((k) => [k, metrics[k].target === null ? null : iso(metrics[k].due)]));
  const snapshot = (p: PolicyInput) => ({
    priority: p.priority,
    calendarId: p.calendarId,
    pauseStatuses: [...p.pauseStatuses],
    targets: { ...p.targets },
    ...(p.warningPercent === undefined ? {} : { warningPercent: p.warningPercent })
  });
  const sameAs = (a: PolicyInput, b: PolicyInput) => JSON.stringify([a.policyId, snapshot(a)]) === JSON.stringify([b.policyId, snapshot(b)]);

  function onPolicy(p: PolicyInput, at: number) {
    if (!policy) {
      policy = p;
      cal = calOf(p.calendarId);
      startAt = at;
      clock = at;
      for (const k of SLA_METRICS) {
        const m = metrics[k];
        Object.assign(m, { started: true, startedAt: at, stopped: false, elapsed: 0, since: at, target: p.targets[k] === null ? null : p.targets[k]! * MIN });
        if (m.target !== null) m.due = addBusinessMs(cal, at, m.target);
      }
      paused = p.pauseStatuses.includes(status) && !DONE.includes(status);
      pausedSince = at;
      emit('start', null, at, null, { policy: snapshot(p), status, dueAt: dues() });
      if (paused) emit('pause', null, at, null, { status });
      if (DONE.includes(status)) for (const k of SLA_METRICS) stop(k, at, status);
      return;
    }
    advance(at);
    if (sameAs(policy, p)) return;
    const kind: SlaEventKind = policy.policyId === p.policyId ? 'target_changed' : 'policy_changed';
    const from = { policyId: policy.policyId, ...snapshot(policy) };
    // Close the books in the old calendar, continue in the new one.
    if (paused) {
      pausedMs += businessMsBetween(cal, pausedSince, at);
      pausedSince = at;
    }
    policy = p;
    cal = calOf(p.calendarId);
    for (const k of SLA_METRICS) {
      const m = metrics[k];
      m.target = p.targets[k] === null ? null : p.targets[k]! * MIN;
      if (!active(m)) continue;
      m.since = at;
      if (m.target === null) m.due = null;
      else if (!paused) redue(m, at);
      else m.due = m.target > m.elapsed ? addBusinessMs(cal, at, m.target - m.elapsed) : (m.breachedAt ?? at);
    }
    emit(kind, null, at, null, { policy: snapshot(p), from, dueAt: dues() });
    // A target tightened below what is already used up: breached now.
    const tightened: SlaMetric[] = [];
    for (const k of SLA_METRICS) {
      const m = metrics[k];
      if (active(m) && !paused && m.target !== null && m.breachedAt === null && m.due !== null && m.due <= at) tightened.push(k);
    }
    for (const k of tightened) {
      metrics[k].breachedAt = at;
      emit('breached', k, at, at, { targetMinutes: metrics[k].target! / MIN, tightened: true });
    }
    setPaused(p.pauseStatuses.includes(status) && !DONE.includes(status) && anyActive(), at, { status, policyChanged: true });
  }

  function onStatus(to: TicketStatus, at: number) {
    const from = status;
    status = to;
    if (!policy) return;
    advance(at);
    if (DONE.includes(to)) {
      if (DONE.includes(from)) return;
      if (paused) setPaused(false, at, {}, true);
      stop('first_response', at, to);
      stop('resolution', at, to);
      return;
    }
    if (DONE.includes(from)) {
      const m = metrics.resolution;
      if (m.started && m.stopped) {
        m.stopped = false;
        m.stoppedAt = null;
        m.since = at;
        redue(m, at);
        if (m.target !== null) emit('resume', 'resolution', at, m.due, { reopened: true, from, elapsedMinutes: round2(m.elapsed / MIN) });
      }
    }
    setPaused(policy.pauseStatuses.includes(to) && anyActive(), at, { status: to, from });
  }

  let pendingReply = false;
  for (const { e, t } of ordered) {
    const at = startAt === null ? t : Math.max(t, startAt);
    if (e.kind === 'policy') onPolicy(e, at);
    else if (e.kind === 'status') {
      if (e.to !== status) onStatus(e.to, at);
    } else if (policy) {
      advance(at);
      stop('first_response', at, 'reply');
    } else {
      // A reply dated before the clock started: it counts at the start.
      pendingReply = true;
    }
    if (pendingReply && policy) {
      pendingReply = false;
      stop('first_response', at, 'reply');
    }
  }
  const now = Math.max(opts.now.getTime(), clock === Number.NEGATIVE_INFINITY ? opts.now.getTime() : clock);
  advance(now);

  const clocks = Object.fromEntries(
    SLA_METRICS.map((k): [SlaMetric, SlaClock] => {
      const m = metrics[k];
      const state: SlaState = !m.started || m.target === null ? 'none' : m.breachedAt !== null ? 'breached' : m.stopped ? 'met' : paused ? 'paused' : 'running';
      const pct = (policy as PolicyInput | null)?.warningPercent;
      const warnAt =
        state === 'running' && pct !== undefined && m.target !== null && m.elapsed < (m.target * pct) / 100 ? addBusinessMs(cal, m.since, (m.target * pct) / 100 - m.elapsed) : null;
      return [
        k,
        {
          metric: k,
          state,
          targetMinutes: m.target === null ? null : m.target / MIN,
          startedAt: m.startedAt === null ? null : new Date(m.startedAt),
          dueAt: m.target === null || m.due === null ? null : new Date(m.due),
          warningAt: warnAt === null ? null : new Date(warnAt),
          elapsedMinutes: round2(m.elapsed / MIN),
          remainingMinutes: m.target === null ? null : round2((m.target - m.elapsed) / MIN),
          breachedAt: m.breachedAt === null ? null : new Date(m.breachedAt),
          stoppedAt: m.stoppedAt === null ? null : new Date(m.stoppedAt)
        }
      ];
    })
  ) as Record<SlaMetric, SlaClock>;
  const openPause = paused ? businessMsBetween(cal, pausedSince, now) : 0;
  const last = policy as PolicyInput | null; // assigned in closures: TypeScript cannot see it
  return {
    policyId: last?.policyId ?? null,
    calendarId: last?.calendarId ?? null,
    priority: last?.priority ?? null,
    status,
    paused,
    pausedAt: paused ? new Date(pausedSince) : null,
    pausedMinutes: round2((pausedMs + openPause) / MIN),
    clocks,
    timeline,
    asOf: new Date(now)
  };
}
