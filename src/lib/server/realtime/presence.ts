// Presence (who is viewing or replying on a ticket) shared by every app instance through Postgres
// LISTEN/NOTIFY on `outpost_presence`. Every instance keeps the whole table in memory (it is small:
// one entry per socket and watched ticket) and applies its own changes at once; the others learn
// them from the notification. Entries live 30 s unless refreshed (a client re-sends its state every
// 15 s), so an instance that dies without saying goodbye is forgotten by the others; a socket that
// closes removes its entries at once. The LISTEN side is ./listen.ts (PGlite: in-process `listen`;
// PostgreSQL: a dedicated connection that reconnects, after which this instance re-announces its
// entries; notifications sent while it was away are lost, refreshes and expiry repair that).
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { collapsePresence, PRESENCE_STATES, type PresenceState, type PresenceUser } from '$lib/domain/realtime/events';

export const PRESENCE_CHANNEL = 'outpost_presence';
/** NOTIFY payloads must stay below 8000 bytes; ours are ~200. Names are cut to keep it so. */
const NAME_MAX = 80;

const Wire = z.object({
  i: z.string().max(32),
  k: z.enum(['set', 'del']),
  t: z.uuid(),
  s: z.string().max(64),
  u: z.string().max(64).optional(),
  n: z.string().max(NAME_MAX).optional(),
  st: z.enum(PRESENCE_STATES).optional()
});
type Wire = z.infer<typeof Wire>;

interface Entry extends PresenceUser {
  at: number;
  instance: string;
}

export interface PresenceOptions {
  db: Kysely<any>;
  /** A ticket's presence changed (on this or another instance). */
  onChange: (ticketId: string) => void;
  ttlMs?: number;
  log?: (level: 'info' | 'warn' | 'error', msg: string, data?: Record<string, unknown>) => void;
}

export class PresenceBus {
  readonly instance = randomBytes(6).toString('hex');
  readonly #tickets = new Map<string, Map<string, Entry>>();
  /** Last NOTIFY per local socket key and ticket: unchanged refreshes are sent at most every 5 s. */
  readonly #sent = new Map<string, { state: PresenceState; at: number }>();
  readonly #ttl: number;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly o: PresenceOptions) {
    this.#ttl = o.ttlMs ?? 30_000;
  }

  /** Starts expiring entries (the listener feeds `receive`). */
  start(): void {
    this.#timer = setInterval(() => this.sweep(), Math.min(5_000, this.#ttl / 3));
    this.#timer.unref?.();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** After the LISTEN connection was lost: others may have forgotten us; say again who is here. */
  reannounce(): void {
    for (const [ticketId, entries] of this.#tickets) {
      for (const [socket, e] of entries) if (e.instance === this.instance) void this.#notify({ i: this.instance, k: 'set', t: ticketId, s: socket, u: e.userId, n: e.name, st: e.state });
    }
  }

  /** This instance's socket `socket` shows `user` in `state` on the ticket (also a refresh). */
  set(ticketId: string, socket: string, user: { id: string; name: string }, state: PresenceState): void {
    const name = user.name.slice(0, NAME_MAX);
    const changed = this.#apply({ i: this.instance, k: 'set', t: ticketId, s: socket, u: user.id, n: name, st: state });
    const key = `${socket}|${ticketId}`;
    const last = this.#sent.get(key);
    if (!changed && last && last.state === state && Date.now() - last.at < 5_000) return;
    this.#sent.set(key, { state, at: Date.now() });
    void this.#notify({ i: this.instance, k: 'set', t: ticketId, s: socket, u: user.id, n: name, st: state });
  }

  /** The socket left the ticket (unwatch or close). */
  clear(ticketId: string, socket: string): void {
    this.#sent.delete(`${socket}|${ticketId}`);
    if (!this.#tickets.get(ticketId)?.has(socket)) return;
    this.#apply({ i: this.instance, k: 'del', t: ticketId, s: socket });
    void this.#notify({ i: this.instance, k: 'del', t: ticketId, s: socket });
  }

  /** Who is on the ticket now, one line per user. */
  list(ticketId: string): PresenceUser[] {
    const m = this.#tickets.get(ticketId);
    return m ? collapsePresence(m.values()) : [];
  }

  /** Drops entries not refreshed within the TTL. */
  sweep(now = Date.now()): void {
    for (const [ticketId, m] of this.#tickets) {
      let dropped = false;
      for (const [socket, e] of m) {
        if (now - e.at > this.#ttl) {
          m.delete(socket);
          dropped = true;
        }
      }
      if (!m.size) this.#tickets.delete(ticketId);
      if (dropped) this.o.onChange(ticketId);
    }
  }

  async #notify(w: Wire): Promise<void> {
    try {
      await sql`select pg_notify(${PRESENCE_CHANNEL}, ${JSON.stringify(w)})`.execute(this.o.db);
    } catch (e) {
      this.o.log?.('warn', 'presence NOTIFY failed', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** A notification on PRESENCE_CHANNEL. */
  receive(payload: string): void {
    let w: Wire;
    try {
      const r = Wire.safeParse(JSON.parse(payload));
      if (!r.success) return;
      w = r.data;
    } catch {
      return;
    }
    if (w.i === this.instance) return; // applied when it was made
    this.#apply(w);
  }

  /** Applies a change; true when what others see changed (and onChange was called). */
  #apply(w: Wire): boolean {
    let m = this.#tickets.get(w.t);
    if (w.k === 'del') {
      if (!m?.delete(w.s)) return false;
      if (!m.size) this.#tickets.delete(w.t);
      this.o.onChange(w.t);
      return true;
    }
    if (!w.u || !w.st) return false;
    if (!m) this.#tickets.set(w.t, (m = new Map()));
    const prev = m.get(w.s);
    m.set(w.s, { userId: w.u, name: w.n ?? '', state: w.st, at: Date.now(), instance: w.i });
    const changed = !prev || prev.state !== w.st || prev.name !== (w.n ?? '');
    if (changed) this.o.onChange(w.t);
    return changed;
  }
}
