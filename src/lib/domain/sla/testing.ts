// Seeded generators shared by the SLA property tests and the bench: a small PRNG (mulberry32) so
// every run with the same seed produces the same cases, and a realistic ticket history.
import type { CalendarDef, WeeklyHours } from './calendar';
import type { SlaInput } from './clock';
import type { Priority, TicketStatus } from '../tickets/schemas';

export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p
  };
}
export type Rng = ReturnType<typeof rng>;

const hhmm = (m: number) => (m === 1440 ? '24:00' : `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);

/** A random but valid calendar: per day 0–2 ranges on 30-minute marks, some holidays around the given dates. */
export function randomCalendar(r: Rng, timeZone: string, holidayDates: string[] = []): CalendarDef {
  const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
  const week = {} as Record<(typeof days)[number], [string, string][]>;
  for (const d of days) {
    const n = r.pick([0, 1, 1, 1, 2]);
    const marks = new Set<number>();
    while (marks.size < n * 2) marks.add(r.int(0, 48) * 30);
    const sorted = [...marks].sort((a, b) => a - b);
    week[d] = [];
    for (let i = 0; i < sorted.length; i += 2) week[d].push([hhmm(sorted[i]), hhmm(sorted[i + 1])]);
  }
  if (days.every((d) => week[d].length === 0)) week.mon = [['09:00', '17:00']];
  const holidays = holidayDates.filter(() => r.chance(0.5)).map((date) => (r.chance(0.3) ? { date, hours: [['10:00', '12:00'] as [string, string]] } : { date }));
  return { timeZone, weeklyHours: week as WeeklyHours, holidays };
}

export const OFFICE: WeeklyHours = {
  mon: [['09:00', '17:00']],
  tue: [['09:00', '17:00']],
  wed: [['09:00', '17:00']],
  thu: [['09:00', '17:00']],
  fri: [['09:00', '17:00']],
  sat: [],
  sun: []
};

/** A plausible ticket life: created, picked up, replies, waits, maybe a priority change, resolved, sometimes reopened. */
export function randomHistory(r: Rng, start: number, opts: { policyIds: string[]; calendarId: string | null; targets: (p: Priority) => { first_response: number; resolution: number } }): SlaInput[] {
  const prios: Priority[] = ['low', 'medium', 'high', 'critical'];
  let priority = r.pick(prios);
  const policy = (at: number, policyId: string): SlaInput => ({ kind: 'policy', at: new Date(at), policyId, calendarId: opts.calendarId, priority, pauseStatuses: ['waiting'], targets: opts.targets(priority) });
  const out: SlaInput[] = [policy(start, opts.policyIds[0])];
  let t = start;
  let status = 'new' as TicketStatus;
  const step = () => (t += r.int(1, 600) * 60_000);
  const to = (s: TicketStatus) => {
    status = s;
    out.push({ kind: 'status', at: new Date(step()), to: s });
  };
  to('in_progress');
  if (r.chance(0.8)) out.push({ kind: 'first_response', at: new Date(step()) });
  for (let i = r.int(0, 3); i > 0; i--) {
    to('waiting');
    to('in_progress');
  }
  if (r.chance(0.2)) {
    priority = r.pick(prios);
    out.push(policy(step(), r.pick(opts.policyIds)));
  }
  if (r.chance(0.85)) to('resolved');
  if (status === 'resolved' && r.chance(0.15)) {
    to('in_progress');
    to('resolved');
  }
  if (status === 'resolved' && r.chance(0.6)) to('closed');
  return out;
}
