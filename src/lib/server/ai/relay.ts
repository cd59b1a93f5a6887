// Delivers `ai:response` events to the asking user's sockets on every app instance: the instance
// running the turn publishes to its own sockets at once and, on PostgreSQL, also sends the event
// over NOTIFY `outpost_ai` for the other instances (which skip their own notifications). Text
// deltas are coalesced for NOTIFY (one per `flushMs` per turn) and an event too large for a
// NOTIFY payload is sent with its message cut and `truncated: true` (the widget then re-reads the
// conversation).
import type { AiResponseEvent } from '$lib/domain/ai/schemas';

export const AI_CHANNEL = 'outpost_ai';
const MAX_PAYLOAD = 7_500;

export interface RelayOptions {
  local: (userId: string, event: AiResponseEvent) => void;
  /** Sends a payload to the other instances (absent on the single-process embedded database). */
  notify?: (payload: string) => Promise<unknown>;
  origin?: string;
  flushMs?: number;
  onError?: (e: unknown) => void;
}

type Pending = { userId: string; event: Extract<AiResponseEvent, { phase: 'delta' }>; timer: ReturnType<typeof setTimeout> };

export class AiEventRelay {
  readonly origin: string;
  readonly #pending = new Map<string, Pending>();
  /** NOTIFYs go out one after another (the pool would otherwise reorder them). */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: RelayOptions) {
    this.origin = o.origin ?? Math.random().toString(36).slice(2, 12);
  }

  publish(userId: string, event: AiResponseEvent): void {
    this.o.local(userId, event);
    if (!this.o.notify) return;
    const key = event.turnId;
    const pending = this.#pending.get(key);
    if (event.phase === 'delta') {
      if (pending) {
        pending.event = { ...pending.event, text: pending.event.text + event.text, seq: event.seq };
        return;
      }
      const timer = setTimeout(() => this.#flush(key), this.o.flushMs ?? 40);
      timer.unref?.();
      this.#pending.set(key, { userId, event, timer });
      return;
    }
    if (pending) this.#flush(key);
    this.#send(userId, event);
  }

  /** A notification from LISTEN (any instance, this one included). */
  receive(payload: string): void {
    let m: { origin?: string; userId?: string; event?: AiResponseEvent };
    try {
      m = JSON.parse(payload);
    } catch {
      return;
    }
    if (!m.userId || !m.event || m.origin === this.origin || m.event.type !== 'ai:response') return;
    this.o.local(m.userId, m.event);
  }

  #flush(key: string) {
    const p = this.#pending.get(key);
    if (!p) return;
    clearTimeout(p.timer);
    this.#pending.delete(key);
    this.#send(p.userId, p.event);
  }

  #send(userId: string, event: AiResponseEvent) {
    let payload = JSON.stringify({ origin: this.origin, userId, event });
    if (payload.length > MAX_PAYLOAD) {
      const cut = (s: string) => s.slice(0, Math.max(0, s.length - (payload.length - MAX_PAYLOAD) - 100));
      const smaller =
        event.phase === 'final'
          ? { ...event, message: { ...event.message, content: cut(event.message.content) }, truncated: true }
          : event.phase === 'delta'
            ? { ...event, text: cut(event.text), truncated: true }
            : { ...event, truncated: true };
      payload = JSON.stringify({ origin: this.origin, userId, event: smaller });
      if (payload.length > MAX_PAYLOAD) return; // nothing sensible left to send; the widget polls
    }
    const notify = this.o.notify!;
    this.#chain = this.#chain.then(() => notify(payload)).catch((e) => this.o.onError?.(e));
  }
}
