// WebSocket rooms: one per user (notifications) and per ticket (presence, live updates, later).
// server.js upgrades `/ws` and hands authenticated sockets here. Cross-instance fan-out through
// LISTEN/NOTIFY arrives with the real-time work of the ticket issue.
import type { WebSocket } from 'ws';
import type { Actor } from '$lib/domain/auth/permissions';
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

export class RealtimeHub {
  readonly #rooms = new Map<string, Set<WebSocket>>();

  join(room: string, ws: WebSocket) {
    let set = this.#rooms.get(room);
    if (!set) this.#rooms.set(room, (set = new Set()));
    set.add(ws);
  }

  leaveAll(ws: WebSocket) {
    for (const [room, set] of this.#rooms) {
      set.delete(ws);
      if (!set.size) this.#rooms.delete(room);
    }
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

  connected(): number {
    return this.#rooms.size;
  }

  onConnection(ws: WebSocket, actor: Actor, extensions: SocketExtension[] = []) {
    this.join(`user:${actor.id}`, ws);
    ws.send(JSON.stringify({ type: 'hello', userId: actor.id, serverTime: new Date().toISOString() }));
    ws.on('message', (raw) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(raw));
      } catch {
        return ws.send(JSON.stringify({ type: 'error', message: 'messages must be JSON' }));
      }
      if ((msg as { type?: string })?.type === 'ping') return ws.send(JSON.stringify({ type: 'pong', serverTime: new Date().toISOString() }));
      for (const x of extensions) if (x.handle(msg)) return;
    });
    ws.on('close', () => {
      this.leaveAll(ws);
      for (const x of extensions) x.close();
    });
    ws.on('error', (e) => log.warn('ws error', { userId: actor.id, error: e }));
  }

  closeAll() {
    for (const set of this.#rooms.values()) for (const ws of set) ws.terminate();
    this.#rooms.clear();
  }
}
