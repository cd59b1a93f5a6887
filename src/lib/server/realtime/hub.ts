// WebSocket rooms: one per user (their notifications, their own tickets), one per ticket (its
// watchers) and `staff` (users who read every ticket: new tickets). server.js upgrades `/ws` and
// hands authenticated sockets here. Events come from the committed-change feed (./feed.ts) and
// presence from the LISTEN/NOTIFY bus (./presence.ts); both reach every instance, and each
// instance delivers to its own sockets.
//
//   client → { type: 'ticket.watch', ticketId }        joins the ticket's room if the user may read it
//   client → { type: 'ticket.unwatch', ticketId }
//   client → { type: 'presence.set', ticketId, state } 'viewing' | 'typing' | 'idle' (watched tickets only)
//   client → { type: 'ping' }
//   server → { type: 'ticket.watching', ticketId } | { type: 'error', code, message, ticketId? }
//   server → { type: 'presence', ticketId, users: [{ userId, name, state }] }
//   server → ticket:created | ticket:updated | ticket:assigned | comment:added | notification:new
import type { WebSocket } from 'ws';
import { can, type Actor } from '$lib/domain/auth/permissions';
import {
  PresenceSetMessage,
  STAFF_ROOM,
  TicketUnwatchMessage,
  TicketWatchMessage,
  ticketRoom,
  userRoom,
  type PresenceUser,
  type Routed
} from '$lib/domain/realtime/events';
import { log } from '../log';

export interface HubEvent {
  type: string;
  [k: string]: unknown;
}

/** Another protocol on the same socket (e.g. live shape requests): handles its own messages. */
export interface SocketExtension {
  /** True when the message was this extension's. */
  handle(msg: unknown): boolean;
  close(): void;
}

/** What the hub needs from the rest of the app. */
export interface HubDeps {
  /** May this user read the ticket (ticket service)? */
  canWatch(actor: Actor, ticketId: string): Promise<boolean>;
  presence?: {
    set(ticketId: string, socket: string, user: { id: string; name: string }, state: 'viewing' | 'typing' | 'idle'): void;
    clear(ticketId: string, socket: string): void;
    list(ticketId: string): PresenceUser[];
  };
  /** Re-checks the socket's credential (same as the live shape requests). */
  reauthEveryMs?: number;
}

/** At most this many tickets watched by one socket. */
export const MAX_WATCHES = 50;

interface Session {
  key: string;
  actor: Actor;
  rooms: Set<string>;
  watching: Set<string>;
  /** Real-time messages of a socket run in order (a presence.set right after its watch waits for it). */
  queue: Promise<void>;
  /** Joined its user (and staff) room. */
  events: boolean;
  /** Re-checks the credential the socket was opened with. */
  reauth?: () => Promise<Actor | 'expired' | null>;
}

let socketSeq = 0;

export class RealtimeHub {
  readonly #rooms = new Map<string, Set<WebSocket>>();
  readonly #sessions = new Map<WebSocket, Session>();
  #deps: HubDeps | null = null;
  readonly #prefix = Math.random().toString(36).slice(2, 10);

  /** Wires the ticket service and the presence bus (called once at boot). */
  configure(deps: HubDeps) {
    this.#deps = deps;
  }

  join(room: string, ws: WebSocket) {
    let set = this.#rooms.get(room);
    if (!set) this.#rooms.set(room, (set = new Set()));
    set.add(ws);
    this.#sessions.get(ws)?.rooms.add(room);
  }

  leave(room: string, ws: WebSocket) {
    const set = this.#rooms.get(room);
    set?.delete(ws);
    if (set && !set.size) this.#rooms.delete(room);
    this.#sessions.get(ws)?.rooms.delete(room);
  }

  leaveAll(ws: WebSocket) {
    const s = this.#sessions.get(ws);
    const rooms = s ? [...s.rooms] : [...this.#rooms.keys()];
    for (const room of rooms) this.leave(room, ws);
  }

  publish(room: string, event: HubEvent): number {
    const set = this.#rooms.get(room);
    if (!set) return 0;
    const data = JSON.stringify(event);
    let n = 0;
    for (const ws of set) {
      if (ws.readyState === 1) {
        ws.send(data);
        n++;
      }
    }
    return n;
  }

  /** Delivers a routed event: once per socket across its rooms, in the variant its user may see. */
  deliver(r: Routed): number {
    const targets = new Set<WebSocket>();
    for (const room of r.rooms) for (const ws of this.#rooms.get(room) ?? []) targets.add(ws);
    if (!targets.size) return 0;
    const staff = r.staff && JSON.stringify(r.staff);
    const others = r.others && JSON.stringify(r.others);
    let n = 0;
    for (const ws of targets) {
      const s = this.#sessions.get(ws);
      if (!s || ws.readyState !== 1) continue;
      const data = can(s.actor, 'comments.internal') ? staff : others;
      if (!data) continue;
      ws.send(data);
      n++;
    }
    return n;
  }

  /** Tells the ticket's watchers on this instance who is there now. */
  presenceChanged(ticketId: string) {
    const users = this.#deps?.presence?.list(ticketId) ?? [];
    this.publish(ticketRoom(ticketId), { type: 'presence', ticketId, users });
  }

  /** Open sockets on this instance. */
  connected(): number {
    return this.#sessions.size;
  }

  /**
   * A new authenticated socket. `events: false` (`/ws?events=0`, the sync engine's socket) joins
   * no user/staff room: a tab's own real-time socket already receives them.
   */
  onConnection(ws: WebSocket, actor: Actor, extensions: SocketExtension[] = [], reauth?: () => Promise<Actor | 'expired' | null>, opts: { events?: boolean } = {}) {
    const events = opts.events ?? true;
    const session: Session = { key: `${this.#prefix}:${++socketSeq}`, actor, rooms: new Set(), watching: new Set(), queue: Promise.resolve(), events, reauth };
    this.#sessions.set(ws, session);
    if (events) {
      this.join(userRoom(actor.id), ws);
      if (can(actor, 'tickets.read.all')) this.join(STAFF_ROOM, ws);
    }
    const send = (m: unknown) => {
      if (ws.readyState === 1) ws.send(JSON.stringify(m));
    };
    send({ type: 'hello', userId: actor.id, serverTime: new Date().toISOString() });
    ws.on('message', (raw) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(raw));
      } catch {
        return send({ type: 'error', code: 'invalid_json', message: 'messages must be JSON' });
      }
      const type = (msg as { type?: unknown })?.type;
      if (type === 'ping') return send({ type: 'pong', serverTime: new Date().toISOString() });
      if (type === 'ticket.watch' || type === 'ticket.unwatch' || type === 'presence.set') {
        session.queue = session.queue.then(() => this.#realtime(ws, session, msg, send)).catch((e) => log.warn('realtime message failed', { userId: session.actor.id, error: e }));
        return;
      }
      for (const x of extensions) if (x.handle(msg)) return;
    });
    // A revoked session, a disabled user or a changed role reaches open sockets too.
    const every = this.#deps?.reauthEveryMs ?? 60_000;
    const timer = reauth
      ? setInterval(() => {
          void reauth()
            .then((a) => {
              if (a === null) return ws.close(4401, 'unauthenticated');
              // An expired access token: the session may still be fine (the page refreshes it over
              // HTTP); keep the socket with the rights it had.
              if (a !== 'expired') this.#refresh(ws, session, a);
            })
            .catch(() => {});
        }, every)
      : null;
    timer?.unref?.();
    ws.on('close', () => {
      if (timer) clearInterval(timer);
      for (const t of session.watching) this.#deps?.presence?.clear(t, session.key);
      this.leaveAll(ws);
      this.#sessions.delete(ws);
      for (const x of extensions) x.close();
    });
    ws.on('error', (e) => log.warn('ws error', { userId: actor.id, error: e }));
  }

  #refresh(ws: WebSocket, s: Session, actor: Actor) {
    const before = s.actor.permissions;
    s.actor = actor;
    const same = before.size === actor.permissions.size && [...before].every((p) => actor.permissions.has(p));
    if (same) return;
    if (s.events && can(actor, 'tickets.read.all')) this.join(STAFF_ROOM, ws);
    else this.leave(STAFF_ROOM, ws);
    for (const t of [...s.watching]) {
      void this.#deps
        ?.canWatch(actor, t)
        .then((ok) => {
          if (!ok) this.#unwatch(ws, s, t);
        })
        .catch(() => {});
    }
  }

  #unwatch(ws: WebSocket, s: Session, ticketId: string) {
    if (!s.watching.delete(ticketId)) return;
    this.leave(ticketRoom(ticketId), ws);
    this.#deps?.presence?.clear(ticketId, s.key);
  }

  async #realtime(ws: WebSocket, s: Session, msg: unknown, send: (m: unknown) => void) {
    const type = (msg as { type: string }).type;
    const schema = type === 'ticket.watch' ? TicketWatchMessage : type === 'ticket.unwatch' ? TicketUnwatchMessage : PresenceSetMessage;
    const r = schema.safeParse(msg);
    const rawId = (msg as { ticketId?: unknown }).ticketId;
    const ticketIdEcho = typeof rawId === 'string' ? rawId.slice(0, 64) : undefined;
    if (!r.success) {
      const issue = r.error.issues[0];
      return send({ type: 'error', code: 'validation', for: type, ticketId: ticketIdEcho, message: `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}` });
    }
    const ticketId = r.data.ticketId;
    if (r.data.type === 'ticket.unwatch') {
      this.#unwatch(ws, s, ticketId);
      return send({ type: 'ticket.unwatched', ticketId });
    }
    if (r.data.type === 'presence.set') {
      if (!s.watching.has(ticketId)) return send({ type: 'error', code: 'not_watching', for: type, ticketId, message: 'ticketId: watch the ticket first' });
      this.#deps?.presence?.set(ticketId, s.key, { id: s.actor.id, name: s.actor.name }, r.data.state);
      return;
    }
    // Joining a room is checked with the credential as it is now (a revoked session closes the socket).
    if (s.reauth) {
      const now = await s.reauth().catch(() => 'expired' as const);
      if (now === null) return ws.close(4401, 'unauthenticated');
      if (now !== 'expired') this.#refresh(ws, s, now);
    }
    if (s.watching.has(ticketId)) return send({ type: 'ticket.watching', ticketId, users: this.#deps?.presence?.list(ticketId) ?? [] });
    if (s.watching.size >= MAX_WATCHES) return send({ type: 'error', code: 'rate_limited', for: type, ticketId, message: `ticketId: at most ${MAX_WATCHES} watched tickets per socket` });
    const ok = this.#deps ? await this.#deps.canWatch(s.actor, ticketId).catch(() => false) : false;
    if (!ok) return send({ type: 'error', code: 'forbidden', for: type, ticketId, message: 'ticketId: no such ticket' });
    if (ws.readyState !== 1) return;
    s.watching.add(ticketId);
    this.join(ticketRoom(ticketId), ws);
    send({ type: 'ticket.watching', ticketId, users: this.#deps?.presence?.list(ticketId) ?? [] });
  }

  closeAll() {
    for (const ws of this.#sessions.keys()) ws.terminate();
    this.#rooms.clear();
    this.#sessions.clear();
  }
}
