// Real-time events and presence for the UI (runes). One socket per tab on `/ws`:
//
// Why not the sync engine's socket? That one belongs to the sync engine of the *leader* tab (Web
// Locks) and falls back to HTTP whenever it fails; watches and presence are per tab (this tab shows
// ticket 42, that one types in ticket 7), so each tab opens its own socket for them. Both speak on
// the same `/ws` endpoint (the server multiplexes message types), so a follower tab holds one
// socket and the leader tab two. If the socket is unavailable the UI still updates through the
// shapes; only presence and toasts are missing.
//
//   realtime.start(userId)            (app shell, once the user is known) / realtime.stop()
//   const off = realtime.watch(id)    join a ticket's room (refcounted; re-sent after reconnect)
//   realtime.setPresence(id, state)   'viewing' | 'typing' | 'idle', refreshed every 15 s
//   realtime.typing(id)               call on input in the reply box: typing, back to viewing after 4 s
//   realtime.presenceOf(id)           reactive list of { userId, name, state }
//   realtime.on('comment:added', fn)  event subscription ('*' for every event); returns unsubscribe
import type { PresenceState, PresenceUser, RealtimeEvent, RealtimeEventType } from '$lib/domain/realtime/events';
import { refreshSession } from './api';

/** The subset of the browser WebSocket this client uses (the `ws` package fits too). */
export interface RealtimeSocket {
	readonly readyState: number;
	send(data: string): void;
	close(code?: number, reason?: string): void;
	onopen: ((ev: unknown) => void) | null;
	onclose: ((ev: { code: number }) => void) | null;
	onmessage: ((ev: { data: unknown }) => void) | null;
	onerror: ((ev: unknown) => void) | null;
}

export interface RealtimeOptions {
	/** Opens the socket (default in a browser: this origin's `/ws`, authenticated by cookies). */
	socket?: () => RealtimeSocket;
	/** Renews the session cookie before reconnecting after a refused socket (default: api.ts). */
	refreshAuth?: () => Promise<boolean>;
	backoff?: { initialMs: number; maxMs: number };
	heartbeatMs?: number;
	typingMs?: number;
}

type Handler = (event: RealtimeEvent) => void;
type Listened = RealtimeEventType | 'presence' | '*';

function browserSocket(): (() => RealtimeSocket) | undefined {
	if (typeof location === 'undefined' || typeof WebSocket === 'undefined') return undefined;
	const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
	return () => new WebSocket(url) as unknown as RealtimeSocket;
}

export class RealtimeClient {
	/** The socket is open. */
	connected = $state(false);
	userId = $state<string | null>(null);
	/** Presence per watched ticket, as the server last listed it. */
	presence = $state<Record<string, PresenceUser[]>>({});
	/** Tickets the server refused to watch (no permission or no such ticket). */
	refused = $state<Record<string, true>>({});

	#opts: Required<Omit<RealtimeOptions, 'socket'>> & Pick<RealtimeOptions, 'socket'>;
	#ws: RealtimeSocket | null = null;
	// Socket bookkeeping, deliberately not reactive: the UI reads `presence`, `connected`, `refused`.
	/* eslint-disable svelte/prefer-svelte-reactivity */
	#watch = new Map<string, number>();
	#mine = new Map<string, PresenceState>();
	#handlers = new Map<Listened, Set<Handler>>();
	#retry: ReturnType<typeof setTimeout> | null = null;
	#heartbeat: ReturnType<typeof setInterval> | null = null;
	#typing = new Map<string, ReturnType<typeof setTimeout>>();
	/* eslint-enable svelte/prefer-svelte-reactivity */
	#attempt = 0;
	#failedOpens = 0;
	#running = false;

	constructor(opts: RealtimeOptions = {}) {
		this.#opts = {
			socket: opts.socket,
			refreshAuth: opts.refreshAuth ?? refreshSession,
			backoff: opts.backoff ?? { initialMs: 500, maxMs: 30_000 },
			heartbeatMs: opts.heartbeatMs ?? 15_000,
			typingMs: opts.typingMs ?? 4_000
		};
	}

	/** Connects for this user (idempotent; another user starts over). */
	start(userId: string): void {
		if (this.#running && this.userId === userId) return;
		// Another user: forget everything. Not running yet: keep what components already watch
		// (a page's effects may run before the shell's).
		if (this.#running || (this.userId && this.userId !== userId)) this.stop();
		this.userId = userId;
		this.#running = true;
		this.#connect();
		this.#heartbeat = setInterval(() => this.#sendPresence(), this.#opts.heartbeatMs);
	}

	stop(): void {
		this.#running = false;
		if (this.#retry) clearTimeout(this.#retry);
		if (this.#heartbeat) clearInterval(this.#heartbeat);
		for (const t of this.#typing.values()) clearTimeout(t);
		this.#typing.clear();
		this.#retry = this.#heartbeat = null;
		const ws = this.#ws;
		this.#ws = null;
		if (ws) {
			ws.onclose = ws.onmessage = ws.onerror = ws.onopen = null;
			try {
				ws.close();
			} catch {
				/* already closed */
			}
		}
		this.connected = false;
		this.userId = null;
		this.#watch.clear();
		this.#mine.clear();
		this.presence = {};
		this.refused = {};
	}

	/** Joins the ticket's room; the returned function leaves it (when nobody else in this tab watches). */
	watch(ticketId: string): () => void {
		const n = this.#watch.get(ticketId) ?? 0;
		this.#watch.set(ticketId, n + 1);
		if (n === 0) this.#send({ type: 'ticket.watch', ticketId });
		let done = false;
		return () => {
			if (done) return;
			done = true;
			const left = (this.#watch.get(ticketId) ?? 1) - 1;
			if (left > 0) return void this.#watch.set(ticketId, left);
			this.#watch.delete(ticketId);
			this.#mine.delete(ticketId);
			const t = this.#typing.get(ticketId);
			if (t) clearTimeout(t);
			this.#typing.delete(ticketId);
			const { [ticketId]: _gone, ...rest } = this.presence;
			this.presence = rest;
			this.#send({ type: 'ticket.unwatch', ticketId });
		};
	}

	setPresence(ticketId: string, state: PresenceState): void {
		if (!this.#watch.has(ticketId)) return;
		if (this.#mine.get(ticketId) === state) return;
		this.#mine.set(ticketId, state);
		this.#send({ type: 'presence.set', ticketId, state });
	}

	/** The reply box got input: typing now, viewing again after a pause. */
	typing(ticketId: string): void {
		this.setPresence(ticketId, 'typing');
		const t = this.#typing.get(ticketId);
		if (t) clearTimeout(t);
		this.#typing.set(
			ticketId,
			setTimeout(() => {
				this.#typing.delete(ticketId);
				if (this.#mine.get(ticketId) === 'typing') this.setPresence(ticketId, 'viewing');
			}, this.#opts.typingMs)
		);
	}

	/** Everyone on the ticket (including this user's other tabs/devices), reactive. */
	presenceOf(ticketId: string): PresenceUser[] {
		return this.presence[ticketId] ?? [];
	}

	/** Others on the ticket (not this user), reactive. */
	othersOn(ticketId: string): PresenceUser[] {
		return this.presenceOf(ticketId).filter((u) => u.userId !== this.userId);
	}

	on(type: Listened, fn: Handler): () => void {
		let set = this.#handlers.get(type);
		// eslint-disable-next-line svelte/prefer-svelte-reactivity -- subscribers, not UI state
		if (!set) this.#handlers.set(type, (set = new Set()));
		set.add(fn);
		return () => set.delete(fn);
	}

	#send(m: unknown): void {
		if (this.#ws?.readyState === 1) this.#ws.send(JSON.stringify(m));
	}

	#sendPresence(): void {
		for (const [ticketId, state] of this.#mine) this.#send({ type: 'presence.set', ticketId, state });
	}

	#connect(): void {
		const factory = this.#opts.socket ?? browserSocket();
		if (!factory || !this.#running) return;
		let ws: RealtimeSocket;
		try {
			ws = factory();
		} catch {
			return this.#schedule();
		}
		this.#ws = ws;
		let opened = false;
		ws.onopen = () => {
			opened = true;
			this.#attempt = 0;
			this.#failedOpens = 0;
			this.connected = true;
			// A new socket knows nothing: watch again, then say again what this tab is doing.
			for (const ticketId of this.#watch.keys()) this.#send({ type: 'ticket.watch', ticketId });
			this.#sendPresence();
		};
		ws.onmessage = (ev) => this.#receive(String(ev.data));
		ws.onerror = () => {};
		ws.onclose = (ev) => {
			if (this.#ws !== ws) return;
			this.#ws = null;
			this.connected = false;
			if (!opened) this.#failedOpens++;
			// 4401: the session ended; a socket refused twice at upgrade (the browser hides the 401)
			// may need a fresh access cookie too.
			const renew = ev?.code === 4401 || this.#failedOpens >= 2;
			this.#schedule(renew);
		};
	}

	#schedule(renew = false): void {
		if (!this.#running || this.#retry) return;
		const { initialMs, maxMs } = this.#opts.backoff;
		const delay = Math.min(maxMs, initialMs * 2 ** this.#attempt++) * (0.75 + Math.random() * 0.5);
		this.#retry = setTimeout(() => {
			this.#retry = null;
			if (!renew) return this.#connect();
			void this.#opts
				.refreshAuth()
				.catch(() => false)
				.then(() => this.#connect());
		}, delay);
	}

	#receive(data: string): void {
		let m: RealtimeEvent | { type: string; [k: string]: unknown };
		try {
			m = JSON.parse(data);
		} catch {
			return;
		}
		if (m.type === 'presence' || m.type === 'ticket.watching') {
			const ticketId = String(m.ticketId);
			if (!this.#watch.has(ticketId)) return;
			if (Array.isArray(m.users)) this.presence = { ...this.presence, [ticketId]: m.users as PresenceUser[] };
			if (m.type === 'presence') this.#emit('presence', m as RealtimeEvent);
			return;
		}
		if (m.type === 'error' && m.code === 'forbidden' && typeof m.ticketId === 'string') {
			this.refused = { ...this.refused, [m.ticketId]: true };
			this.#watch.delete(m.ticketId);
			this.#mine.delete(m.ticketId);
			return;
		}
		if (typeof m.type === 'string' && m.type.includes(':')) this.#emit(m.type as RealtimeEventType, m as RealtimeEvent);
	}

	#emit(type: Listened, event: RealtimeEvent): void {
		for (const key of [type, '*'] as const) {
			for (const fn of this.#handlers.get(key) ?? []) {
				try {
					fn(event);
				} catch {
					// one failing subscriber must not stop the others
				}
			}
		}
	}
}

/** The tab's client. */
export const realtime = new RealtimeClient();
