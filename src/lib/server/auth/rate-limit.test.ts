import { describe, it, expect } from 'vitest';
import { SlidingWindowLimiter, LockoutTracker } from './rate-limit';

describe('SlidingWindowLimiter', () => {
  it('allows `limit` hits per window then tells how long to wait', () => {
    const l = new SlidingWindowLimiter(60_000);
    const t = 1_000_000;
    for (let i = 0; i < 3; i++) expect(l.hit('k', 3, t + i)).toBe(0);
    expect(l.hit('k', 3, t + 10)).toBe(60);
    expect(l.hit('k', 3, t + 30_000)).toBe(30);
    expect(l.hit('k', 3, t + 60_001)).toBe(0);
    expect(l.hit('other', 3, t + 10)).toBe(0);
  });
});

describe('LockoutTracker', () => {
  it('locks after the threshold, expires, and resets on success', () => {
    const l = new LockoutTracker();
    const t = 5_000_000;
    expect(l.fail('a', 3, 10, t)).toBe(0);
    expect(l.fail('a', 3, 10, t)).toBe(0);
    expect(l.fail('a', 3, 10, t)).toBe(10);
    expect(l.lockedFor('a', t + 1000)).toBe(9);
    expect(l.lockedFor('a', t + 10_001)).toBe(0);
    expect(l.fail('a', 3, 10, t + 11_000)).toBe(0);
    l.succeed('a');
    expect(l.fail('a', 3, 10, t + 12_000)).toBe(0);
    expect(l.fail('a', 3, 10, t + 12_000)).toBe(0);
  });
});
