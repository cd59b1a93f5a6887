// Business-time arithmetic over a business calendar: weekly hours per weekday in the calendar's
// IANA time zone, holidays as local dates (closed, or a short day with their own hours), and 24×7.
//
// Rules (pure; Intl supplies the zone rules, no network):
// - A local day's business windows are its hours (a holiday's own hours, or none) converted to
//   real instants. Business time is real elapsed time inside those windows, so on a DST change a
//   window that spans the change is an hour longer or shorter: 00:00–24:00 on the autumn Sunday in
//   Berlin holds 25 hours, on the spring Sunday 23.
// - Precisely: business time is the real time during which the local wall clock shows business
//   hours of a business date. Hours inside a spring gap never show (they count nothing); hours in
//   an autumn repeat show twice (they count twice).
// - addBusinessMinutes(cal, t, n) is the first instant at which n business minutes have passed
//   since t; businessMinutesBetween is its inverse (between(t, add(t, n)) = n).
// Instants are epoch milliseconds internally; Date at the edges.
import { z } from 'zod';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const MIN = 60_000;

/** "HH:MM", 00:00–24:00 (24:00 only as an end). */
export const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be a time like 09:00 (00:00–24:00)');
export const HoursRange = z
  .tuple([TimeOfDay, TimeOfDay])
  .refine(([a, b]) => toMinutes(a) < toMinutes(b), { message: 'must end after it starts' });
/** Ranges of one day, in order and not overlapping. */
export const DayHours = z
  .array(HoursRange)
  .max(8, 'has more than 8 ranges')
  .refine((rs) => rs.every((r, i) => i === 0 || toMinutes(rs[i - 1][1]) <= toMinutes(r[0])), { message: 'ranges must be in order and must not overlap' });
export const WeeklyHours = z
  .object(Object.fromEntries(WEEKDAYS.map((d) => [d, DayHours.default([])])) as Record<Weekday, z.ZodDefault<typeof DayHours>>)
  .strict()
  .refine((w) => WEEKDAYS.some((d) => w[d].length > 0), { message: 'needs business hours on at least one day' });
export type WeeklyHours = z.output<typeof WeeklyHours>;

export const IsoDate = z.iso.date({ message: 'must be a date like 2025-12-25' });
export const Holiday = z.object({
  date: IsoDate,
  name: z.string().trim().max(120).optional(),
  /** A short day: these hours instead of none. */
  hours: DayHours.optional()
});
export type Holiday = z.output<typeof Holiday>;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
export const TimeZone = z.string().min(1).max(64).refine(isTimeZone, { message: 'is not a known IANA time zone' });

export const Holidays = z
  .array(Holiday)
  .max(1000, 'has more than 1000 holidays')
  .refine((hs) => new Set(hs.map((h) => h.date)).size === hs.length, { message: 'lists a date twice' });

/** What the SLA math needs of a calendar (the business_calendars row, parsed). */
export interface CalendarDef {
  timeZone: string;
  weeklyHours: WeeklyHours;
  holidays: readonly Holiday[];
}

export function toMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

// ─── Time zone conversion ─────────────────────────────────────────────────────────────────────
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string) {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(tz, f);
  }
  return f;
}

/** Local wall time of an instant as if it were UTC (epoch ms), i.e. instant + offset. */
function wallOf(tz: string, t: number): number {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour === 24 ? 0 : p.hour, p.minute, p.second) + (t % 1000 + 1000) % 1000;
}
const rawOffset = (tz: string, t: number) => wallOf(tz, t) - t;

// Intl is slow (tens of µs a call on Node 20), so offsets are cached per zone and quarter hour:
// every real offset change happens on a quarter-hour mark (UTC), so an offset holds for its bucket.
const QUARTER = 15 * 60_000;
const offsetCaches = new Map<string, Map<number, number>>();
function offsetAt(tz: string, t: number): number {
  let c = offsetCaches.get(tz);
  if (!c) offsetCaches.set(tz, (c = new Map()));
  const b = Math.floor(t / QUARTER);
  let o = c.get(b);
  if (o === undefined) {
    o = rawOffset(tz, b * QUARTER);
    if (c.size >= 100_000) c.clear();
    c.set(b, o);
  }
  return o;
}

/**
 * The offset change near a local day, if any: [offset before, offset after, instant of change].
 * Assumes at most one change within the 52 hours around a local day (true of every real zone).
 */
function transitionNear(tz: string, midnightWall: number): [number, number, number] | null {
  // Sampled at the neighbouring days' noons (UTC): adjacent days share samples in the cache.
  let lo = midnightWall - 12 * 3600_000 - 14 * 3600_000;
  let hi = midnightWall + 36 * 3600_000 + 14 * 3600_000;
  const o1 = offsetAt(tz, lo);
  const o2 = offsetAt(tz, hi);
  if (o1 === o2) return null;
  // The change is on a quarter-hour mark: search the buckets.
  while (hi - lo > QUARTER) {
    const mid = lo + Math.floor((hi - lo) / 2 / QUARTER) * QUARTER;
    if (offsetAt(tz, mid) === o1) lo = mid;
    else hi = mid;
  }
  return [o1, o2, Math.floor(hi / QUARTER) * QUARTER];
}

const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Universal', 'Zulu', 'Etc/Zulu', 'Etc/UCT', 'UCT']);

// ─── Compiled calendars ───────────────────────────────────────────────────────────────────────
export interface Calendar {
  readonly def: CalendarDef | null;
  /** True for round-the-clock calendars: business time is wall time. */
  readonly always: boolean;
  /** Business windows [start, end) (epoch ms) of the local day with this day number (days since 1970-01-01). */
  windows(day: number): readonly (readonly [number, number])[];
  /** The local day number of an instant. */
  dayOf(t: number): number;
}

const is24x7 = (def: CalendarDef) =>
  def.holidays.length === 0 && WEEKDAYS.every((d) => def.weeklyHours[d].length === 1 && def.weeklyHours[d][0][0] === '00:00' && def.weeklyHours[d][0][1] === '24:00');

/** Round the clock, no holidays. */
export const ALWAYS: Calendar = { def: null, always: true, windows: (day) => [[day * 86_400_000, (day + 1) * 86_400_000]], dayOf: (t) => Math.floor(t / 86_400_000) };

const CACHE_LIMIT = 20_000;

/** Prepares a calendar for fast arithmetic (day windows are cached; the zone is checked). */
export function compileCalendar(def: CalendarDef | null | undefined): Calendar {
  if (!def || is24x7(def)) return def ? { ...ALWAYS, def } : ALWAYS;
  const tz = def.timeZone;
  if (!isTimeZone(tz)) throw new Error(`unknown time zone ${tz}`);
  const week = WEEKDAYS.map((d) => def.weeklyHours[d].map(([a, b]) => [toMinutes(a), toMinutes(b)] as const));
  const holidays = new Map(def.holidays.map((h) => [h.date, (h.hours ?? []).map(([a, b]) => [toMinutes(a), toMinutes(b)] as const)]));
  const cache = new Map<number, (readonly [number, number])[]>();
  const isUtc = UTC_ZONES.has(tz);
  return {
    def,
    always: false,
    dayOf: (t) => Math.floor((isUtc ? t : t + offsetAt(tz, t)) / 86_400_000),
    windows(day) {
      let w = cache.get(day);
      if (w) return w;
      const midnight = day * 86_400_000;
      const date = new Date(midnight).toISOString().slice(0, 10);
      const ranges = holidays.get(date) ?? week[new Date(midnight).getUTCDay()];
      w = [];
      if (ranges.length) {
        // The instants whose wall time lies in [a, b) of this date: one interval per offset in force.
        const tr = isUtc ? null : transitionNear(tz, midnight);
        const o = isUtc ? 0 : offsetAt(tz, midnight - 26 * 3600_000); // the sample transitionNear() took
        for (const [a, b] of ranges) {
          const wa = midnight + a * MIN;
          const wb = midnight + b * MIN;
          if (!tr) w.push([wa - o, wb - o]);
          else {
            const [o1, o2, at] = tr;
            const s1 = wa - o1;
            const e1 = Math.min(wb - o1, at);
            const s2 = Math.max(wa - o2, at);
            const e2 = wb - o2;
            if (e1 > s1) w.push([s1, e1]);
            if (e2 > s2) {
              const last = w[w.length - 1];
              if (last && last[1] === s2 && e1 > s1) w[w.length - 1] = [last[0], e2];
              else w.push([s2, e2]);
            }
          }
        }
        w.sort((x, y) => x[0] - y[0]);
      }
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(day, w);
      return w;
    }
  };
}

/** How far ahead add() looks for business hours before giving up (a calendar with hours always has some). */
const HORIZON_DAYS = 3700;

/** The instant `ms` business milliseconds after `start`. */
export function addBusinessMs(cal: Calendar, start: number, ms: number): number {
  if (ms <= 0) return start;
  if (cal.always) return start + ms;
  let remaining = ms;
  const first = cal.dayOf(start);
  for (let day = first - 1; day < first + HORIZON_DAYS; day++) {
    for (const [s, e] of cal.windows(day)) {
      if (e <= start) continue;
      const from = Math.max(s, start);
      if (remaining <= e - from) return from + remaining;
      remaining -= e - from;
    }
  }
  throw new Error('calendar has no business hours within ten years');
}

/** Business milliseconds in [a, b). */
export function businessMsBetween(cal: Calendar, a: number, b: number): number {
  if (b <= a) return 0;
  if (cal.always) return b - a;
  let total = 0;
  const last = cal.dayOf(b);
  for (let day = cal.dayOf(a) - 1; day <= last + 1; day++) {
    for (const [s, e] of cal.windows(day)) {
      const lo = Math.max(s, a);
      const hi = Math.min(e, b);
      if (hi > lo) total += hi - lo;
    }
  }
  return total;
}

/** Whether an instant lies in business hours. */
export function inBusinessHours(cal: Calendar, t: number): boolean {
  if (cal.always) return true;
  const day = cal.dayOf(t);
  for (const d of [day - 1, day, day + 1]) for (const [s, e] of cal.windows(d)) if (t >= s && t < e) return true;
  return false;
}

export const addBusinessMinutes = (cal: Calendar, start: Date, minutes: number) => new Date(addBusinessMs(cal, start.getTime(), Math.round(minutes * MIN)));
export const businessMinutesBetween = (cal: Calendar, a: Date, b: Date) => businessMsBetween(cal, a.getTime(), b.getTime()) / MIN;
