// The event-sourced SLA clock: fixed scenarios (pauses over a weekend, reopen, priority change
// mid-flight, tightened target, calendar change) and seeded properties: replay gives the same
// result, the clock agrees with an independent computation from running intervals, and a later
// `now` only appends to the timeline.
import { describe, it, expect } from 'vitest';
import { computeSla, type SlaInput, type PolicyInput } from './clock';
import { compileCalendar, addBusinessMs, businessMsBetween, type Calendar } from './calendar';
import { matchPolicy, targetsFor, readConditions, PolicyTargets, type SlaPolicy, type TicketFacts } from './policy';
import { rng, randomCalendar, randomHistory, OFFICE } from './testing';
import { businessProgress } from './progress';
import type { Priority, TicketStatus } from '../tickets/schemas';

const M = 60_000;
const berlin = compileCalendar({ timeZone: 'Europe/Berlin', weeklyHours: OFFICE, holidays: [{ date: '2025-04-18', name: 'Good Friday' }] });
const utcOffice = compileCalendar({ timeZone: 'UTC', weeklyHours: OFFICE, holidays: [] });
const calendars = new Map<string, Calendar>([
  ['berlin', berlin],
  ['utc', utcOffice]
]);
const d = (s: string) => new Date(s);
const policy = (at: string, o: Partial<PolicyInput> = {}): PolicyInput => ({
  kind: 'policy',
  at: d(at),
  policyId: 'p1',
  calendarId: 'berlin',
  priority: 'high',
  pauseStatuses: ['waiting'],
  targets: { first_response: 60, resolution: 480 },
  ...o
});
const status = (at: string, to: TicketStatus): SlaInput => ({ kind: 'status', at: d(at), to });
const reply = (at: string): SlaInput => ({ kind: 'first_response', at: d(at) });
const kinds = (r: ReturnType<typeof computeSla>) => r.timeline.map((e) => `${e.kind}${e.target ? `:${e.target}` : ''}@${e.at.toISOString().slice(5, 16)}`);

describe('SLA clock', () => {
  it('starts with due dates in business time and meets first response on a reply', () => {
    // Thursday 27 March 2025 11:00 CET.
    const r = computeSla([policy('2025-03-27T10:00:00Z'), reply('2025-03-27T10:40:00Z')], { calendars, now: d('2025-03-27T12:00:00Z') });
    expect(r.clocks.first_response).toMatchObject({ state: 'met', elapsedMinutes: 40, remainingMinutes: 20 });
    expect(r.clocks.first_response.dueAt!.toISOString()).toBe('2025-03-27T11:00:00.000Z');
    expect(r.clocks.resolution).toMatchObject({ state: 'running', elapsedMinutes: 120, remainingMinutes: 360 });
    // 8 business hours from Thu 11:00 CET: Thu 11–17 (6 h) + Fri 09–11.
    expect(r.clocks.resolution.dueAt!.toISOString()).toBe('2025-03-28T10:00:00.000Z');
    expect(kinds(r)).toEqual(['start@03-27T10:00', 'met:first_response@03-27T10:40']);
  });

  it('pauses in Waiting across a weekend and the DST change, and moves due out by the paused business time', () => {
    const inputs = [policy('2025-03-27T10:00:00Z'), reply('2025-03-27T10:30:00Z'), status('2025-03-27T11:00:00Z', 'in_progress'), status('2025-03-27T12:00:00Z', 'waiting'), status('2025-03-31T12:00:00Z', 'in_progress')];
    const r = computeSla(inputs, { calendars, now: d('2025-03-31T13:00:00Z') });
    // Used before the pause: Thu 11:00–13:00 CET = 120; paused Thu 13–17, Fri, Mon 09–14 CEST = 1020.
    expect(r.pausedMinutes).toBe(1020);
    expect(r.clocks.resolution.elapsedMinutes).toBe(180);
    // 360 left at Mon 14:00 CEST: Mon 14–17 (180) + Tue 09:00–12:00 CEST.
    expect(r.clocks.resolution.dueAt!.toISOString()).toBe('2025-04-01T10:00:00.000Z');
    expect(kinds(r)).toEqual(['start@03-27T10:00', 'met:first_response@03-27T10:30', 'pause@03-27T12:00', 'resume@03-31T12:00']);
    // While paused the clock neither runs nor breaches.
    const mid = computeSla(inputs.slice(0, 4), { calendars, now: d('2025-04-30T00:00:00Z') });
    expect(mid.clocks.resolution).toMatchObject({ state: 'paused', elapsedMinutes: 120, breachedAt: null });
    expect(mid.paused).toBe(true);
  });

  it('breaches at the due instant, and a late stop is recorded as stopped, not met', () => {
    const r = computeSla([policy('2025-03-27T10:00:00Z'), reply('2025-03-27T12:00:00Z'), status('2025-04-01T09:00:00Z', 'resolved')], { calendars, now: d('2025-04-02T00:00:00Z') });
    expect(kinds(r)).toEqual(['start@03-27T10:00', 'breached:first_response@03-27T11:00', 'stopped:first_response@03-27T12:00', 'breached:resolution@03-28T10:00', 'stopped:resolution@04-01T09:00']);
    expect(r.clocks.resolution.state).toBe('breached');
    expect(r.clocks.resolution.stoppedAt!.toISOString()).toBe('2025-04-01T09:00:00.000Z');
  });

  it('resumes resolution on reopen with the time already used', () => {
    const r = computeSla(
      [policy('2025-03-27T10:00:00Z'), reply('2025-03-27T10:10:00Z'), status('2025-03-27T11:00:00Z', 'resolved'), status('2025-03-28T09:00:00Z', 'in_progress')],
      { calendars, now: d('2025-03-28T09:00:00Z') }
    );
    expect(kinds(r)).toEqual(['start@03-27T10:00', 'met:first_response@03-27T10:10', 'met:resolution@03-27T11:00', 'resume:resolution@03-28T09:00']);
    expect(r.clocks.resolution).toMatchObject({ state: 'running', elapsedMinutes: 60 });
    // 420 left from Fri 10:00 CET: Fri 10–17 = 420 → due Fri 17:00 CET.
    expect(r.clocks.resolution.dueAt!.toISOString()).toBe('2025-03-28T16:00:00.000Z');
  });

  it('keeps elapsed time through a priority change and recomputes due with the new target', () => {
    const r = computeSla(
      [policy('2025-03-27T10:00:00Z', { priority: 'medium', targets: { first_response: 240, resolution: 1440 } }), policy('2025-03-27T12:00:00Z', { priority: 'critical', targets: { first_response: 30, resolution: 240 } })],
      { calendars, now: d('2025-03-27T12:00:00Z') }
    );
    // 120 minutes used: first response (target now 30) is breached at the change; resolution has 120 left.
    expect(kinds(r)).toEqual(['start@03-27T10:00', 'target_changed@03-27T12:00', 'breached:first_response@03-27T12:00']);
    expect(r.clocks.resolution.dueAt!.toISOString()).toBe('2025-03-27T14:00:00.000Z');
    expect(r.timeline[1].details.from).toMatchObject({ priority: 'medium' });
  });

  it('continues in the new calendar when another policy applies, without losing paused time', () => {
    const r = computeSla(
      [policy('2025-03-27T10:00:00Z'), status('2025-03-27T11:00:00Z', 'in_progress'), status('2025-03-27T12:00:00Z', 'waiting'), policy('2025-03-27T13:00:00Z', { policyId: 'p2', calendarId: 'utc' }), status('2025-03-27T14:00:00Z', 'in_progress')],
      { calendars, now: d('2025-03-27T15:00:00Z') }
    );
    expect(kinds(r)).toEqual(['start@03-27T10:00', 'breached:first_response@03-27T11:00', 'pause@03-27T12:00', 'policy_changed@03-27T13:00', 'resume@03-27T14:00']);
    expect(r.pausedMinutes).toBe(120);
    // 120 (Berlin) + 60 (UTC calendar, 14–15Z) = 180 used.
    expect(r.clocks.resolution.elapsedMinutes).toBe(180);
    expect(r.clocks.resolution.dueAt!.toISOString()).toBe(new Date(addBusinessMs(utcOffice, Date.parse('2025-03-27T14:00:00Z'), 360 * M)).toISOString());
  });

  it('ignores a policy input that changes nothing, and a metric without a target has no clock', () => {
    const r = computeSla([policy('2025-03-27T10:00:00Z', { targets: { first_response: null, resolution: 480 } }), policy('2025-03-27T11:00:00Z', { targets: { first_response: null, resolution: 480 } })], { calendars, now: d('2025-03-27T11:00:00Z') });
    expect(kinds(r)).toEqual(['start@03-27T10:00']);
    expect(r.clocks.first_response).toMatchObject({ state: 'none', dueAt: null, remainingMinutes: null });
  });

  it('applies inputs dated before the start (device clock skew) at the start', () => {
    const r = computeSla([policy('2025-03-27T10:00:00Z'), reply('2025-03-27T09:00:00Z')], { calendars, now: d('2025-03-27T10:30:00Z') });
    expect(kinds(r)).toEqual(['start@03-27T10:00', 'met:first_response@03-27T10:00']);
  });

  it('offers the warning instant of a running metric', () => {
    const r = computeSla([policy('2025-03-27T10:00:00Z', { warningPercent: 80 })], { calendars, now: d('2025-03-27T10:00:00Z') });
    expect(r.clocks.first_response.warningAt!.toISOString()).toBe('2025-03-27T10:48:00.000Z');
  });
});

describe('SLA policies', () => {
  const facts: TicketFacts = { priority: 'high', typeId: null, typeKey: 'incident', categoryId: null, teamId: '0199a000-0000-7000-8000-000000000001', requesterId: 'u1', source: 'email', tags: ['vip'] };
  const pol = (id: string, position: number, conditions: unknown): SlaPolicy => ({ id, position, conditions: readConditions(conditions)!, targets: {}, calendarId: null, pauseStatuses: ['waiting'] });
  it('picks the first matching policy by position', () => {
    const ps = [pol('default', 1000, {}), pol('vip', 1, { tags: ['vip'], priority: ['critical', 'high'] }), pol('mail', 2, { sources: ['email'] })];
    expect(matchPolicy(ps, facts)?.id).toBe('vip');
    expect(matchPolicy(ps, { ...facts, tags: [] })?.id).toBe('mail');
    expect(matchPolicy(ps, { ...facts, tags: [], source: 'web' })?.id).toBe('default');
    expect(matchPolicy([pol('incidents', 1, { typeKeys: ['incident'], teamIds: ['0199a000-0000-7000-8000-000000000002'] })], facts)).toBeNull();
  });
  it('reads the older `priorities` spelling and validates targets', () => {
    expect(readConditions({ priorities: ['low'] })).toEqual({ priority: ['low'] });
    expect(PolicyTargets.safeParse({ high: { firstResponseMinutes: 600, resolutionMinutes: 60 } }).error?.issues[0].path).toEqual(['high', 'firstResponseMinutes']);
    expect(targetsFor({ targets: { high: { firstResponseMinutes: 60 } } }, 'high')).toEqual({ first_response: 60, resolution: null });
  });
});

/** Independent oracle: running intervals of the resolution metric, summed with the calendar. */
function oracleResolution(inputs: SlaInput[], cal: Calendar, now: number, targetOf: (p: Priority) => number) {
  const sorted = [...inputs].sort((a, b) => a.at.getTime() - b.at.getTime());
  let status: TicketStatus = 'new';
  let runningSince: number | null = sorted[0].at.getTime();
  let elapsed = 0;
  let target = targetOf((sorted[0] as PolicyInput).priority) * M;
  for (const e of sorted.slice(1)) {
    const t = e.at.getTime();
    if (e.kind === 'policy') target = targetOf(e.priority) * M;
    if (e.kind !== 'status') continue;
    const wasRunning = status !== 'waiting' && status !== 'resolved' && status !== 'closed';
    status = e.to;
    const isRunning = status !== 'waiting' && status !== 'resolved' && status !== 'closed';
    if (wasRunning && !isRunning && runningSince !== null) {
      elapsed += businessMsBetween(cal, runningSince, t);
      runningSince = null;
    } else if (!wasRunning && isRunning) runningSince = t;
  }
  if (runningSince !== null) elapsed += businessMsBetween(cal, runningSince, Math.max(now, runningSince));
  return { elapsed, target, running: runningSince !== null };
}

describe('SLA clock: properties (seeded)', () => {
  const ZONES = ['Europe/Berlin', 'America/New_York', 'UTC'];
  const STARTS = ['2025-03-27T08:00:00Z', '2025-10-23T12:00:00Z', '2025-03-06T15:00:00Z', '2025-10-30T16:00:00Z', '2025-12-22T09:00:00Z'];
  const SEEDS = Array.from({ length: 150 }, (_, i) => 7000 + i);
  const TARGETS: Record<Priority, { first_response: number; resolution: number }> = {
    critical: { first_response: 30, resolution: 240 },
    high: { first_response: 60, resolution: 480 },
    medium: { first_response: 240, resolution: 1440 },
    low: { first_response: 480, resolution: 2400 }
  };

  it.each(SEEDS)('replays deterministically, matches the interval oracle, and only appends as time passes (seed %i)', (seed) => {
    const r = rng(seed);
    const start = Date.parse(r.pick(STARTS)) + r.int(0, 3000) * M;
    const def = randomCalendar(r, r.pick(ZONES), ['2025-03-28', '2025-10-24', '2025-03-07', '2025-10-31', '2025-12-24', '2025-12-25']);
    const cals = new Map([['c', compileCalendar(def)]]);
    const inputs = randomHistory(r, start, { policyIds: ['p1'], calendarId: 'c', targets: (p) => TARGETS[p] });
    const last = Math.max(...inputs.map((e) => e.at.getTime()));
    const now = new Date(last + r.int(0, 20_000) * M);
    const a = computeSla(inputs, { calendars: cals, now });
    // Replay: same inputs, same result; a fresh calendar (cold cache) changes nothing.
    const b = computeSla(inputs.map((e) => ({ ...e })), { calendars: new Map([['c', compileCalendar(def)]]), now });
    expect(JSON.stringify(b), `seed ${seed}`).toBe(JSON.stringify(a));

    const o = oracleResolution(inputs, cals.get('c')!, now.getTime(), (p) => TARGETS[p].resolution);
    expect(a.clocks.resolution.elapsedMinutes, `seed ${seed}`).toBeCloseTo(o.elapsed / M, 2);
    // Breached exactly when the time used exceeds the target in force (or a tightened target was hit).
    if (o.elapsed > o.target) expect(a.clocks.resolution.breachedAt, `seed ${seed}`).not.toBeNull();
    if (a.clocks.resolution.breachedAt === null) expect(o.elapsed, `seed ${seed}`).toBeLessThanOrEqual(o.target);
    // A running metric is due exactly when its remaining business time has passed.
    const res = a.clocks.resolution;
    if (res.state === 'running' && res.remainingMinutes! > 0) {
      expect(businessMsBetween(cals.get('c')!, now.getTime(), res.dueAt!.getTime()), `seed ${seed}`).toBe(Math.round(res.remainingMinutes! * M));
    }
    // Timeline is ordered, and a later `now` only adds events after the earlier result's instant.
    for (let i = 1; i < a.timeline.length; i++) expect(a.timeline[i].at.getTime()).toBeGreaterThanOrEqual(a.timeline[i - 1].at.getTime());
    const later = computeSla(inputs, { calendars: cals, now: new Date(now.getTime() + 30 * 86_400_000) });
    expect(JSON.stringify(later.timeline.slice(0, a.timeline.length)), `seed ${seed}`).toBe(JSON.stringify(a.timeline));
    // Every clock that is not running anymore has stopped at or after it started.
    for (const c of Object.values(a.clocks)) if (c.stoppedAt && c.startedAt) expect(c.stoppedAt.getTime()).toBeGreaterThanOrEqual(c.startedAt.getTime());
  });
});

describe('SLA progress from the row (escalation thresholds): properties (seeded)', () => {
  const ZONES = ['Europe/Berlin', 'America/New_York', 'UTC'];
  const STARTS = ['2025-03-27T08:00:00Z', '2025-10-23T12:00:00Z', '2025-03-06T15:00:00Z', '2025-10-30T16:00:00Z', '2025-12-22T09:00:00Z'];
  const SEEDS = Array.from({ length: 150 }, (_, i) => 9100 + i);
  const TARGETS: Record<Priority, { first_response: number; resolution: number }> = {
    critical: { first_response: 30, resolution: 240 },
    high: { first_response: 60, resolution: 480 },
    medium: { first_response: 240, resolution: 1440 },
    low: { first_response: 480, resolution: 2400 }
  };

  it.each(SEEDS)('equals the replay’s business time used / target, across DST, holidays and pauses (seed %i)', (seed) => {
    const r = rng(seed);
    const start = Date.parse(r.pick(STARTS)) + r.int(0, 3000) * M;
    const def = randomCalendar(r, r.pick(ZONES), ['2025-03-28', '2025-10-24', '2025-03-07', '2025-10-31', '2025-12-24', '2025-12-25']);
    const cal = compileCalendar(def);
    const cals = new Map([['c', cal]]);
    // A prefix of a ticket's life, so clocks are still running or paused at `now`.
    const all = randomHistory(r, start, { policyIds: ['p1', 'p2'], calendarId: 'c', targets: (p) => TARGETS[p] });
    const inputs = all.slice(0, r.int(1, all.length));
    const last = Math.max(...inputs.map((e) => e.at.getTime()));
    const now = new Date(last + r.int(0, 8_000) * M);
    const a = computeSla(inputs, { calendars: cals, now });
    for (const c of Object.values(a.clocks)) {
      if (c.targetMinutes === null || c.dueAt === null || c.stoppedAt !== null || c.state === 'met' || c.state === 'none') continue;
      const p = businessProgress({ now: a.asOf, calendar: cal, targetMinutes: c.targetMinutes, dueAt: c.dueAt, paused: a.paused, pausedAt: a.pausedAt, breachedAt: c.breachedAt });
      expect(p.breached, `seed ${seed} ${c.metric}`).toBe(c.breachedAt !== null);
      if (c.breachedAt === null) expect(p.percent, `seed ${seed} ${c.metric}`).toBeCloseTo((c.elapsedMinutes / c.targetMinutes) * 100, 1);
      else expect(p.percent, `seed ${seed} ${c.metric}`).toBeGreaterThanOrEqual(100);
    }
  });

  it('counts only business hours: 8 office hours into a 16-hour target over a weekend is 50 %, not the wall-clock share', () => {
    const office = compileCalendar({ timeZone: 'UTC', weeklyHours: OFFICE, holidays: [] });
    // Created Friday 2025-06-06 09:00 UTC, 16 business hours → due Monday 17:00; now Monday 09:00: 8 h used (wall clock: 72 of 80 h).
    const p = businessProgress({ now: new Date('2025-06-09T09:00:00Z'), calendar: office, targetMinutes: 16 * 60, dueAt: new Date('2025-06-09T17:00:00Z'), paused: false, pausedAt: null, breachedAt: null });
    expect(p).toEqual({ percent: 50, breached: false });
    // Paused since Friday 13:00: frozen at 4 of 16 hours whatever `now` is.
    const q = businessProgress({ now: new Date('2025-06-11T09:00:00Z'), calendar: office, targetMinutes: 16 * 60, dueAt: new Date('2025-06-09T17:00:00Z'), paused: true, pausedAt: new Date('2025-06-06T13:00:00Z'), breachedAt: null });
    expect(q).toEqual({ percent: 25, breached: false });
  });
});
