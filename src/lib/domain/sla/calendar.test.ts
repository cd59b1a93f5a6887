// Business-time arithmetic: fixed cases across DST changes (Europe/Berlin, America/New_York),
// holidays and 24×7, and seeded property tests against a brute-force oracle that asks Intl for the
// wall time of every 15-minute slot. Seeds are fixed: a failure names the seed to replay.
import { describe, it, expect } from 'vitest';
import { compileCalendar, addBusinessMs, businessMsBetween, inBusinessHours, addBusinessMinutes, businessMinutesBetween, WeeklyHours, Holidays, TimeZone, type CalendarDef } from './calendar';
import { rng, randomCalendar, OFFICE } from './testing';

const H = 3600_000;
const M = 60_000;
const at = (s: string) => new Date(s);
const ALL_DAY = Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, [['00:00', '24:00']]])) as WeeklyHours;

/** Business or not, straight from Intl: the wall clock of instant t in the calendar's zone. */
function oracleInHours(def: CalendarDef, t: number): boolean {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: def.timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'short' })
      .formatToParts(new Date(t))
      .map((p) => [p.type, p.value])
  );
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const minute = Number(parts.hour) * 60 + Number(parts.minute);
  const hol = def.holidays.find((h) => h.date === date);
  const ranges = hol ? (hol.hours ?? []) : def.weeklyHours[parts.weekday.toLowerCase().slice(0, 3) as keyof WeeklyHours];
  return ranges.some(([a, b]) => {
    const [ah, am] = a.split(':').map(Number);
    const [bh, bm] = b.split(':').map(Number);
    return minute >= ah * 60 + am && minute < bh * 60 + bm;
  });
}

describe('business calendars', () => {
  const berlin = compileCalendar({ timeZone: 'Europe/Berlin', weeklyHours: OFFICE, holidays: [{ date: '2025-12-25', name: 'Christmas' }, { date: '2025-12-24', hours: [['09:00', '12:00']] }] });
  const ny = compileCalendar({ timeZone: 'America/New_York', weeklyHours: OFFICE, holidays: [] });

  it('adds business minutes across a weekend and the spring DST change (Berlin)', () => {
    // Friday 28 March 2025 16:00 CET; the clocks go forward on Sunday 30 March.
    const due = addBusinessMinutes(berlin, at('2025-03-28T15:00:00Z'), 120);
    expect(due.toISOString()).toBe('2025-03-31T08:00:00.000Z'); // Monday 10:00 CEST
    expect(businessMinutesBetween(berlin, at('2025-03-28T15:00:00Z'), due)).toBe(120);
  });

  it('adds across the autumn change (New York, 2 November 2025)', () => {
    // Friday 31 October 16:00 EDT (20:00Z) + 120 → Monday 3 November 10:00 EST (15:00Z).
    expect(addBusinessMinutes(ny, at('2025-10-31T20:00:00Z'), 120).toISOString()).toBe('2025-11-03T15:00:00.000Z');
    // Spring: Friday 7 March 16:00 EST (21:00Z) + 120 → Monday 10 March 10:00 EDT (14:00Z).
    expect(addBusinessMinutes(ny, at('2025-03-07T21:00:00Z'), 120).toISOString()).toBe('2025-03-10T14:00:00.000Z');
  });

  it('counts the real length of a DST day in a round-the-clock calendar with holidays', () => {
    const cal = compileCalendar({ timeZone: 'Europe/Berlin', weeklyHours: ALL_DAY, holidays: [{ date: '2020-01-01' }] });
    expect(cal.always).toBe(false);
    expect(businessMsBetween(cal, Date.parse('2025-03-29T23:00:00Z'), Date.parse('2025-03-30T22:00:00Z'))).toBe(23 * H);
    expect(businessMsBetween(cal, Date.parse('2025-10-25T22:00:00Z'), Date.parse('2025-10-26T23:00:00Z'))).toBe(25 * H);
  });

  it('counts hours in a spring gap as nothing and hours in an autumn repeat twice', () => {
    const week = { ...Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, []])), sun: [['01:00', '04:00']] } as unknown as WeeklyHours;
    const cal = compileCalendar({ timeZone: 'Europe/Berlin', weeklyHours: week, holidays: [] });
    expect(businessMsBetween(cal, Date.parse('2025-03-29T00:00:00Z'), Date.parse('2025-03-31T00:00:00Z'))).toBe(2 * H);
    expect(businessMsBetween(cal, Date.parse('2025-10-25T00:00:00Z'), Date.parse('2025-10-27T00:00:00Z'))).toBe(4 * H);
    expect(businessMsBetween(cal, Date.parse('2025-03-22T00:00:00Z'), Date.parse('2025-03-24T00:00:00Z'))).toBe(3 * H);
  });

  it('skips holidays and honours a short day', () => {
    // Tuesday 23 Dec 16:00 CET + 240: 60 on the 23rd, 180 on the short 24th (09–12), none on the 25th.
    expect(addBusinessMinutes(berlin, at('2025-12-23T15:00:00Z'), 240).toISOString()).toBe('2025-12-24T11:00:00.000Z');
    // + 241 → Friday 26th 09:01 CET.
    expect(addBusinessMinutes(berlin, at('2025-12-23T15:00:00Z'), 241).toISOString()).toBe('2025-12-26T08:01:00.000Z');
    expect(inBusinessHours(berlin, Date.parse('2025-12-25T10:00:00Z'))).toBe(false);
  });

  it('treats 24×7 and missing calendars as wall time', () => {
    const always = compileCalendar({ timeZone: 'Europe/Berlin', weeklyHours: ALL_DAY, holidays: [] });
    expect(always.always).toBe(true);
    expect(addBusinessMs(always, 0, 5 * H)).toBe(5 * H);
    expect(compileCalendar(null).always).toBe(true);
  });

  it('lands exactly on the end of a window rather than the next morning', () => {
    expect(addBusinessMinutes(berlin, at('2025-06-02T07:00:00Z'), 480).toISOString()).toBe('2025-06-02T15:00:00.000Z');
  });

  it('validates calendar input with messages naming the problem', () => {
    expect(WeeklyHours.safeParse({ mon: [['09:00', '08:00']] }).error?.issues[0].message).toBe('must end after it starts');
    expect(WeeklyHours.safeParse({}).error?.issues[0].message).toBe('needs business hours on at least one day');
    expect(WeeklyHours.safeParse({ mon: [['25:00', '26:00']] }).success).toBe(false);
    expect(WeeklyHours.safeParse({ mon: [['09:00', '12:00'], ['11:00', '13:00']] }).error?.issues[0].message).toBe('ranges must be in order and must not overlap');
    expect(TimeZone.safeParse('Mars/Olympus').error?.issues[0].message).toBe('is not a known IANA time zone');
    expect(Holidays.safeParse([{ date: '2025-12-25' }, { date: '2025-12-25' }]).error?.issues[0].message).toBe('lists a date twice');
  });
});

describe('business calendars: properties (seeded)', () => {
  const ZONES = ['Europe/Berlin', 'America/New_York', 'UTC', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Sao_Paulo'];
  // Windows around DST changes in 2025 (Berlin 30 Mar / 26 Oct, New York 9 Mar / 2 Nov, Lord Howe 6 Apr / 5 Oct).
  const ANCHORS = ['2025-03-28', '2025-10-24', '2025-03-07', '2025-10-31', '2025-04-04', '2025-10-03', '2025-12-23'];
  const SEEDS = Array.from({ length: 60 }, (_, i) => 1000 + i);

  it.each(SEEDS)('between() equals a 15-minute brute force over Intl (seed %i)', (seed) => {
    const r = rng(seed);
    const anchor = r.pick(ANCHORS);
    const base = Date.parse(`${anchor}T00:00:00Z`);
    const holidayDates = [0, 1, 2, 3].map((d) => new Date(base + d * 86_400_000).toISOString().slice(0, 10));
    const def = randomCalendar(r, r.pick(ZONES), holidayDates);
    const cal = compileCalendar(def);
    const a = base + r.int(-4, 4 * 24 * 4) * 15 * M;
    const b = a + r.int(0, 4 * 24 * 4) * 15 * M;
    let expected = 0;
    for (let t = a; t < b; t += 15 * M) if (oracleInHours(def, t)) expected += 15 * M;
    expect(businessMsBetween(cal, a, b), JSON.stringify({ seed, def, a: new Date(a), b: new Date(b) })).toBe(expected);
    for (let t = a; t < b; t += 15 * M * 7) expect(inBusinessHours(cal, t), `seed ${seed} at ${new Date(t).toISOString()}`).toBe(oracleInHours(def, t));
  });

  it.each(SEEDS)('add() and between() are inverse, monotonic and additive (seed %i)', (seed) => {
    const r = rng(seed);
    const def = randomCalendar(r, r.pick(ZONES), [r.pick(ANCHORS)]);
    const cal = compileCalendar(def);
    const start = Date.parse(`${r.pick(ANCHORS)}T00:00:00Z`) + r.int(0, 3 * 24 * 60) * M + r.int(0, 59_999);
    const n = r.int(1, 5 * 24 * 60) * M;
    const due = addBusinessMs(cal, start, n);
    expect(businessMsBetween(cal, start, due), `seed ${seed}`).toBe(n);
    // The due instant is the first at which n minutes have passed: a millisecond earlier they had not.
    expect(businessMsBetween(cal, start, due - 1), `seed ${seed}`).toBe(n - 1);
    const m = r.int(0, n);
    expect(addBusinessMs(cal, start, m)).toBeLessThanOrEqual(due);
    const mid = start + r.int(0, due - start);
    expect(businessMsBetween(cal, start, mid) + businessMsBetween(cal, mid, due)).toBe(n);
  });
});
