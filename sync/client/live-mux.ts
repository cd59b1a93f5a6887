// Live shape requests over one WebSocket (the server side is sync/server/mux.ts).
//
// `LiveMux.fetch` is a drop-in `fetch` for the ShapeStreams: a request with `live=true` is sent
// over the socket and answered with a real `Response` built from the server's status, headers and
// body, so the official client sees exactly what the HTTP gatekeeper would have said. Everything
// else (initial snapshots, catch-up, mutations) goes to the HTTP `fallback`. The socket frees the
// browser's 6 HTTP/1.1 connections per host, which ten 20-second long-polls would otherwise hold.
//
// A live request is a read: when the socket is not open (yet), closes under a waiting request or
// answers 401 (its credential went stale), the request is simply made again over HTTP, where the
// normal 401 → refresh → retry path runs; the socket is reopened in the background with backoff.

/** The part of the WebSocket interface used here (browser WebSocket and the `ws` package both fit). */
export interface WebSocketLike {
	readonly readyState: number;
	send(data: string): void;
	close(code?: number, reason?: string): void;
	onopen: ((ev: unknown) => void) | null;
	onmessage: ((ev: { data: unknown }) => void) | null;
	onclose: ((ev: unknown) => void) | null;
	onerror: ((ev: unknown) => void) | null;
}

export interface LiveMuxOptions {
	/** Opens a socket to `/ws` (the browser sends its cookies; Node passes its own headers). */
	connect: () => WebSocketLike;
	/** HTTP transport: everything not live, and any live request the socket cannot carry. */
	fallback: typeof fetch;
	/** How long a live request waits for a connecting socket before going over HTTP (default 1.5 s). */
	connectWaitMs?: number;
	/** Reconnect backoff after the socket closed or failed (default 1 s → 30 s). */
	reconnect?: { initialDelay: number; maxDelay: number };
	log?: (msg: string, extra?: unknown) => void;
}

interface Pending {
	resolve: (r: Response) => void;
	reject: (e: unknown) => void;
	input: Parameters<typeof fetch>[0];
	init?: Parameters<typeof fetch>[1];
	cleanup: () => void;
}

interface ResponseMessage {
	type: 'shape.response';
	id: string;
	status: number;
	headers: Record<string, string>;
	body: string;
}

const OPEN = 1;
const CONNECTING = 0;

function urlOf(input: Parameters<typeof fetch>[0]): string {
	return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

function abortError(signal?: AbortSignal | null): unknown {
	return signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export class LiveMux {
	readonly #o: LiveMuxOptions;
	#ws: WebSocketLike | null = null;
	#pending = new Map<string, Pending>();
	#seq = 0;
	#closed = false;
	#attempts = 0;
	#retryTimer?: ReturnType<typeof setTimeout>;
	#openWaiters = new Set<(open: boolean) => void>();
	/** Live requests answered over the socket / over HTTP (observability and tests). */
	readonly stats = { overSocket: 0, overHttp: 0, reconnects: 0 };

	constructor(opts: LiveMuxOptions) {
		this.#o = opts;
	}

	get connected(): boolean {
		return this.#ws?.readyState === OPEN;
	}

	/** The fetch to hand to the ShapeStreams. */
	readonly fetch: typeof fetch = (input, init) => {
		const url = urlOf(input);
		if (this.#closed || !/[?&]live=true(&|$)/.test(url)) return this.#o.fallback(input, init);
		return this.#live(url, input, init);
	};

	/** Allows the socket again after close() (the engine restarted). */
	resume(): void {
		this.#closed = false;
	}

	/** Closes the socket (until resume()); waiting requests finish over HTTP. */
	close(): void {
		this.#closed = true;
		clearTimeout(this.#retryTimer);
		const ws = this.#ws;
		this.#ws = null;
		this.#drain();
		try {
			ws?.close(1000, 'sync stopped');
		} catch {
			/* already closed */
		}
	}

	/** Reconnect now if the socket is down (e.g. the browser came back online). */
	refresh(): void {
		if (this.#closed || this.#ws) return;
		clearTimeout(this.#retryTimer);
		this.#retryTimer = undefined;
		this.#attempts = 0;
		this.#open();
	}

	async #live(url: string, input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]): Promise<Response> {
		const signal = init?.signal ?? undefined;
		if (signal?.aborted) throw abortError(signal);
		if (!(await this.#ready())) return this.#http(input, init);
		const ws = this.#ws;
		if (!ws || ws.readyState !== OPEN) return this.#http(input, init);
		const id = String(++this.#seq);
		const query = new URL(url, 'http://x').search.slice(1);
		return new Promise<Response>((resolve, reject) => {
			const onAbort = () => {
				if (!this.#pending.delete(id)) return;
				try {
					if (this.#ws?.readyState === OPEN) this.#ws.send(JSON.stringify({ type: 'shape.cancel', id }));
				} catch {
					/* the socket is going away anyway */
				}
				reject(abortError(signal));
			};
			const cleanup = () => signal?.removeEventListener('abort', onAbort);
			signal?.addEventListener('abort', onAbort, { once: true });
			this.#pending.set(id, { resolve, reject, input, init, cleanup });
			try {
				ws.send(JSON.stringify({ type: 'shape.live', id, query }));
			} catch {
				this.#pending.delete(id);
				cleanup();
				this.#http(input, init).then(resolve, reject);
			}
		});
	}

	#http(input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]): Promise<Response> {
		this.stats.overHttp++;
		return this.#o.fallback(input, init);
	}

	/** Resolves true once the socket is open (opening it if needed), false if it won't be soon. */
	#ready(): Promise<boolean> {
		if (this.#ws?.readyState === OPEN) return Promise.resolve(true);
		if (!this.#ws && !this.#retryTimer) this.#open();
		if (this.#ws?.readyState !== CONNECTING) return Promise.resolve(false);
		return new Promise((resolve) => {
			const done = (open: boolean) => {
				clearTimeout(timer);
				this.#openWaiters.delete(done);
				resolve(open);
			};
			const timer = setTimeout(() => done(false), this.#o.connectWaitMs ?? 1_500);
			this.#openWaiters.add(done);
		});
	}

	#open() {
		if (this.#closed) return;
		let ws: WebSocketLike;
		try {
			ws = this.#o.connect();
		} catch (e) {
			this.#o.log?.('live socket could not be opened', e);
			this.#scheduleReconnect();
			return;
		}
		this.#ws = ws;
		ws.onopen = () => {
			if (this.#ws !== ws) return;
			this.#attempts = 0;
			for (const w of [...this.#openWaiters]) w(true);
		};
		ws.onmessage = (ev) => {
			if (this.#ws !== ws) return;
			let msg: ResponseMessage;
			try {
				msg = JSON.parse(String(ev.data));
			} catch {
				return;
			}
			if (msg?.type === 'shape.response') this.#answer(msg);
		};
		ws.onerror = () => {
			/* followed by close */
		};
		ws.onclose = () => {
			if (this.#ws !== ws) return;
			this.#ws = null;
			for (const w of [...this.#openWaiters]) w(false);
			this.#drain();
			this.#scheduleReconnect();
		};
	}

	#answer(msg: ResponseMessage) {
		const p = this.#pending.get(msg.id);
		if (!p) return;
		this.#pending.delete(msg.id);
		p.cleanup();
		if (msg.status === 401) {
			// The socket's credential went stale (expired access token, ended session): retry over
			// HTTP, whose 401 handling refreshes the session, and reopen the socket with the new one.
			const ws = this.#ws;
			this.#ws = null;
			try {
				ws?.close(4001, 'credential expired');
			} catch {
				/* already closed */
			}
			this.#drain();
			this.#scheduleReconnect();
			this.#http(p.input, p.init).then(p.resolve, p.reject);
			return;
		}
		this.stats.overSocket++;
		const nullBody = msg.status === 204 || msg.status === 304;
		p.resolve(new Response(nullBody ? null : msg.body, { status: msg.status, headers: msg.headers }));
	}

	/** Requests still waiting on a socket that is gone: made again over HTTP. */
	#drain() {
		const waiting = [...this.#pending.values()];
		this.#pending.clear();
		for (const p of waiting) {
			p.cleanup();
			if (p.init?.signal?.aborted) p.reject(abortError(p.init.signal));
			else this.#http(p.input, p.init).then(p.resolve, p.reject);
		}
	}

	#scheduleReconnect() {
		if (this.#closed || this.#retryTimer) return;
		const { initialDelay, maxDelay } = this.#o.reconnect ?? { initialDelay: 1_000, maxDelay: 30_000 };
		const capped = Math.min(maxDelay, initialDelay * 2 ** this.#attempts++);
		const delay = capped / 2 + Math.random() * (capped / 2);
		this.#retryTimer = setTimeout(() => {
			this.#retryTimer = undefined;
			if (this.#closed || this.#ws) return;
			this.stats.reconnects++;
			this.#open();
		}, delay);
		(this.#retryTimer as { unref?: () => void }).unref?.();
	}
}
