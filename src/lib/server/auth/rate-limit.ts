// Per-process, in-memory limits (ARCHITECTURE §1: no Redis). Sliding one-minute windows for login
// attempts per IP and per account, and a consecutive-failure lockout per account.
export class SlidingWindowLimiter {
  readonly #hits = new Map<string, number[]>();
  constructor(private readonly windowMs = 60_000) {}

  /** Records a hit; returns seconds to wait when over `limit`, else 0. */
  hit(key: string, limit: number, now = Date.now()): number {
    const from = now - this.windowMs;
    const list = (this.#hits.get(key) ?? []).filter((t) => t > from);
    if (list.length >= limit) {
      this.#hits.set(key, list);
      return Math.max(1, Math.ceil((list[0] + this.windowMs - now) / 1000));
    }
    list.push(now);
    this.#hits.set(key, list);
    if (this.#hits.size > 50_000) this.prune(now);
    return 0;
  }

  prune(now = Date.now()) {
    const from = now - this.windowMs;
    for (const [k, list] of this.#hits) if (!list.some((t) => t > from)) this.#hits.delete(k);
  }

  reset() {
    this.#hits.clear();
  }
}

interface LockState {
  failures: number;
  lockedUntil: number;
}

export class LockoutTracker {
  readonly #state = new Map<string, LockState>();

  /** Seconds left on a lock, or 0. An expired lock starts a fresh count. */
  lockedFor(key: string, now = Date.now()): number {
    const s = this.#state.get(key);
    if (!s || !s.lockedUntil) return 0;
    if (s.lockedUntil <= now) {
      this.#state.delete(key);
      return 0;
    }
    return Math.ceil((s.lockedUntil - now) / 1000);
  }

  /** Counts a failure; returns the lock length in seconds when this failure locks the account. */
  fail(key: string, threshold: number, lockSeconds: number, now = Date.now()): number {
    const s = this.#state.get(key) ?? { failures: 0, lockedUntil: 0 };
    s.failures += 1;
    if (s.failures >= threshold) {
      s.lockedUntil = now + lockSeconds * 1000;
      s.failures = 0;
    }
    this.#state.set(key, s);
    if (this.#state.size > 50_000) for (const [k, v] of this.#state) if (!v.lockedUntil && v.failures < 2) this.#state.delete(k);
    return s.lockedUntil > now ? lockSeconds : 0;
  }

  succeed(key: string) {
    this.#state.delete(key);
  }

  reset() {
    this.#state.clear();
  }
}
