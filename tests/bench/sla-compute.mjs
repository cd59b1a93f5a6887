// SLA clock computation throughput: replays realistic ticket histories (created, picked up, a reply,
// 0–3 Waiting pauses, sometimes a priority change, resolved, sometimes reopened, closed) through the
// pure clock (src/lib/domain/sla/clock.ts) on a Europe/Berlin business-hours calendar with holidays,
// and prints tickets/s. "warm" reuses one compiled calendar (what the server does: calendars are
// cached per process, day windows inside them); "cold" compiles a fresh calendar per ticket, so
// every day window is rebuilt (the zone's UTC offsets stay cached per process either way).
//   node tests/bench/sla-compute.mjs [tickets=20000] [seed=1]
import { register } from 'tsx/esm/api';

register();
const { computeSla } = await import('../../src/lib/domain/sla/clock.ts');
const { compileCalendar } = await import('../../src/lib/domain/sla/calendar.ts');
const { rng, randomHistory, OFFICE } = await import('../../src/lib/domain/sla/testing.ts');

const N = Number(process.argv[2] ?? 20_000);
const SEED = Number(process.argv[3] ?? 1);
const def = {
  timeZone: 'Europe/Berlin',
  weeklyHours: OFFICE,
  holidays: ['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-01', '2025-05-29', '2025-06-09', '2025-10-03', '2025-12-24', '2025-12-25', '2025-12-26'].map((date) => ({ date }))
};
const TARGETS = {
  critical: { first_response: 30, resolution: 240 },
  high: { first_response: 60, resolution: 480 },
  medium: { first_response: 240, resolution: 1440 },
  low: { first_response: 480, resolution: 2400 }
};
const r = rng(SEED);
const year = Date.parse('2025-01-01T00:00:00Z');
const histories = Array.from({ length: N }, () =>
  randomHistory(r, year + r.int(0, 360 * 24 * 60) * 60_000, { policyIds: ['p1', 'p2'], calendarId: 'cal', targets: (p) => TARGETS[p] })
);
const inputs = histories.reduce((s, h) => s + h.length, 0);
const now = new Date('2026-01-15T12:00:00Z');

function run(label, calendarsFor) {
  const times = [];
  let events = 0;
  const t0 = performance.now();
  for (const h of histories) {
    const s = performance.now();
    const res = computeSla(h, { calendars: calendarsFor(), now });
    times.push(performance.now() - s);
    events += res.timeline.length;
  }
  const total = performance.now() - t0;
  times.sort((a, b) => a - b);
  const p = (q) => times[Math.min(times.length - 1, Math.ceil((q / 100) * times.length) - 1)];
  console.log(
    `${label.padEnd(5)} ${N} tickets (${(inputs / N).toFixed(1)} inputs, ${(events / N).toFixed(1)} SLA events each): ` +
      `${Math.round(N / (total / 1000)).toLocaleString('en')} tickets/s, p50 ${(p(50) * 1000).toFixed(0)} µs, p99 ${(p(99) * 1000).toFixed(0)} µs`
  );
}

const warm = new Map([['cal', compileCalendar(def)]]);
run('warm', () => warm); // first pass fills the day-window cache
run('warm', () => warm);
run('cold', () => new Map([['cal', compileCalendar(def)]]));
