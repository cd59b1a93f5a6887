// Snapshot arithmetic the tailer and the real-time feed decide on (./offsets.ts).
import { describe, it, expect } from 'vitest';
import { parseSnapshot, snapshotWithin, visibleIn } from './offsets';

const s = parseSnapshot;

describe('visibleIn', () => {
  it('sees what committed before xmin, not what was in progress or started after xmax', () => {
    const snap = s('100:105:101,103');
    expect([99n, 100n, 101n, 102n, 103n, 104n, 105n].map((x) => visibleIn(x, snap))).toEqual([true, true, false, true, false, true, false]);
  });
});

describe('snapshotWithin', () => {
  it('holds for the same snapshot and for a later one that saw the in-progress ones finish', () => {
    expect(snapshotWithin(s('100:105:101,103'), s('100:105:101,103'))).toBe(true);
    expect(snapshotWithin(s('100:105:101,103'), s('101:110:101,107'))).toBe(true);
    expect(snapshotWithin(s('100:105:101,103'), s('110:110:'))).toBe(true);
  });

  it('fails when the other snapshot missed something the first saw', () => {
    // 104 committed before the first snapshot but was still running in the second's.
    expect(snapshotWithin(s('100:105:101,103'), s('100:106:104'))).toBe(false);
    // The second stops before the first's horizon.
    expect(snapshotWithin(s('100:105:'), s('100:104:'))).toBe(false);
    // 99 is below the first's xmin (visible there) but in progress in the second.
    expect(snapshotWithin(s('100:105:'), s('99:106:99'))).toBe(false);
  });

  it('agrees with visibleIn on every xid of a range', () => {
    const pairs = [
      ['100:105:101,103', '101:110:101,107'],
      ['100:105:101,103', '100:106:104'],
      ['100:105:', '99:106:99'],
      ['102:108:103,106', '103:112:103,110']
    ];
    for (const [a, b] of pairs) {
      const sa = s(a);
      const sb = s(b);
      let within = true;
      for (let x = 95n; x < 115n; x++) if (visibleIn(x, sa) && !visibleIn(x, sb)) within = false;
      expect(snapshotWithin(sa, sb), `${a} within ${b}`).toBe(within);
    }
  });
});
