// How far a running SLA target has got, in business time, from what the replay leaves on the
// ticket row (due instant, paused flag and instant) and the policy decision in force (target,
// calendar). Escalation's "at N % of a target" thresholds use it every minute for every open
// ticket, so it must not replay each ticket: between the last clock event and now the status did
// not change (any change re-derives the row), hence
//   running: elapsed(now) = target − business(now → due)          (due = when elapsed reaches target)
//   paused:  elapsed      = target − business(pausedAt → due)     (the clock stood still since)
//   past due: elapsed     = target + business(due → now)          (at least: a tightened target breaches early)
// The property tests check this against the replay (computeSla) for random histories.
import { businessMsBetween, type Calendar } from './calendar';

const MIN = 60_000;

export interface ProgressFacts {
  now: Date;
  calendar: Calendar;
  targetMinutes: number;
  dueAt: Date;
  paused: boolean;
  pausedAt: Date | null;
  breachedAt: Date | null;
}

/** Percent of the target used (business time, 2 decimals, ≥ 0) and whether it is breached. */
export function businessProgress(f: ProgressFacts): { percent: number; breached: boolean } {
  const target = f.targetMinutes * MIN;
  const now = f.now.getTime();
  const from = f.paused && f.pausedAt ? Math.min(f.pausedAt.getTime(), now) : now;
  const due = f.dueAt.getTime();
  const breached = f.breachedAt !== null || from >= due;
  if (target <= 0) return { percent: 100, breached: true };
  const used = from < due ? target - businessMsBetween(f.calendar, from, due) : target + businessMsBetween(f.calendar, due, from);
  return { percent: Math.max(0, Math.round((used / target) * 10_000) / 100), breached };
}
