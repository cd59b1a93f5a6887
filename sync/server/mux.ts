// Live shape requests multiplexed over one WebSocket (`/ws`).
//
// A browser opens at most 6 HTTP/1.1 connections per host, shared by every tab, and each shape
// stream holds a 20 s long-poll: ten shapes would starve every other request of the app. So the
// client sends its *live* shape requests (the long-polls) over the app's WebSocket instead; each
// is answered exactly as the HTTP gatekeeper would answer it (status, `electric-*` headers, body),
// and the client hands that Response to its unchanged `ShapeStream`. Initial and catch-up
// requests stay on HTTP (large bodies, no waiting).
//
//   client → { type: 'shape.live',   id, query }   query = the gatekeeper URL's search string
//   client → { type: 'shape.cancel', id }           the stream aborted that request
//   server → { type: 'shape.response', id, status, headers, body }
//
// Every request re-authenticates with the credential the socket was opened with (cached by the
// auth service for 2 s): a revoked session, a disabled user, a changed role or an expired access
// token take effect on the next request (401 → the client goes back to HTTP, which refreshes the
// session, then reopens the socket).
import { z } from 'zod';

export const MUX_MAX_IN_FLIGHT = 256;

const liveRequest = z.object({ type: z.literal('shape.live'), id: z.string().min(1).max(64), query: z.string().max(8192) });
const cancelRequest = z.object({ type: z.literal('shape.cancel'), id: z.string().min(1).max(64) });

export interface MuxSocket {
	send(data: string): void;
	readonly readyState: number;
}

export interface LiveResponseMessage {
	type: 'shape.response';
	id: string;
	status: number;
	headers: Record<string, string>;
	body: string;
}

/** The embedded engine's answer without a web Response (sync/server/engine.ts `ShapeReply`). */
export interface PlainReply {
	status: number;
	headers: Record<string, string>;
	body: string;
	/** The body already encoded as a JSON string (shared by every socket it is sent to), or to cache it in. */
	shared?: { json?: string };
}

/** Serves one gatekeeper request for this actor (resolve + embedded engine or Electric proxy). */
export type ServeShape<A> = (actor: A, url: URL, signal: AbortSignal) => Promise<Response | PlainReply>;
/** Re-checks the socket's credential: the actor, or why not. */
export type Reauthenticate<A> = () => Promise<A | 'expired' | null>;

function errorBody(code: string, message: string): string {
	return JSON.stringify({ error: { code, message } });
}

/** One socket's live shape requests. */
export class ShapeMuxSession<A> {
	readonly #inFlight = new Map<string, AbortController>();
	#closed = false;

	constructor(
		private readonly ws: MuxSocket,
		private readonly reauth: Reauthenticate<A>,
		private readonly serve: ServeShape<A>,
		private readonly path = '/api/sync/shape'
	) {}

	get inFlight(): number {
		return this.#inFlight.size;
	}

	/** Handles a parsed message; false when it is not a shape message (someone else's). */
	handle(msg: unknown): boolean {
		const type = (msg as { type?: unknown })?.type;
		if (type === 'shape.cancel') {
			const c = cancelRequest.safeParse(msg);
			if (c.success) this.#inFlight.get(c.data.id)?.abort();
			return true;
		}
		if (type !== 'shape.live') return false;
		const r = liveRequest.safeParse(msg);
		if (!r.success) {
			const id = typeof (msg as { id?: unknown }).id === 'string' ? String((msg as { id: string }).id).slice(0, 64) : '';
			const field = r.error.issues[0]?.path.join('.') || 'message';
			this.#reply({ type: 'shape.response', id, status: 400, headers: { 'content-type': 'application/json' }, body: errorBody('validation', `${field}: ${r.error.issues[0]?.message ?? 'invalid'}`) });
			return true;
		}
		void this.#run(r.data.id, r.data.query);
		return true;
	}

	/** The socket closed: abort everything it was waiting for. */
	close(): void {
		this.#closed = true;
		for (const c of this.#inFlight.values()) c.abort();
		this.#inFlight.clear();
	}

	async #run(id: string, query: string): Promise<void> {
		if (this.#inFlight.has(id)) {
			this.#reply({ type: 'shape.response', id, status: 400, headers: { 'content-type': 'application/json' }, body: errorBody('validation', 'id: already in flight on this socket') });
			return;
		}
		if (this.#inFlight.size >= MUX_MAX_IN_FLIGHT) {
			this.#reply({ type: 'shape.response', id, status: 429, headers: { 'content-type': 'application/json', 'retry-after': '1' }, body: errorBody('rate_limited', `at most ${MUX_MAX_IN_FLIGHT} live requests per socket`) });
			return;
		}
		const abort = new AbortController();
		this.#inFlight.set(id, abort);
		try {
			const actor = await this.reauth();
			if (actor === null || actor === 'expired') {
				const code = actor === 'expired' ? 'token_expired' : 'unauthenticated';
				this.#reply({ type: 'shape.response', id, status: 401, headers: { 'content-type': 'application/json' }, body: errorBody(code, 'Sign in again') });
				return;
			}
			const url = new URL(`${this.path}?${query.replace(/^\?/, '')}`, 'http://mux.invalid');
			if (url.searchParams.get('live') !== 'true') {
				this.#reply({ type: 'shape.response', id, status: 400, headers: { 'content-type': 'application/json' }, body: errorBody('validation', 'live: only live requests travel over the socket') });
				return;
			}
			const res = await this.serve(actor, url, abort.signal);
			if (!(res instanceof Response)) {
				// The embedded engine's own answer: no length or encoding headers to drop.
				if (abort.signal.aborted || this.#closed || this.ws.readyState !== 1) return;
				// The same frame as #reply makes, with the body's JSON string made once per shared batch.
				const body = res.shared ? (res.shared.json ??= JSON.stringify(res.body)) : JSON.stringify(res.body);
				this.ws.send(`{"type":"shape.response","id":${JSON.stringify(id)},"status":${res.status},"headers":${JSON.stringify(res.headers)},"body":${body}}`);
				return;
			}
			const body = await res.text();
			if (abort.signal.aborted) return; // cancelled: the client no longer waits for it
			const headers: Record<string, string> = {};
			res.headers.forEach((v, k) => {
				if (k !== 'content-length' && k !== 'content-encoding' && k !== 'transfer-encoding') headers[k] = v;
			});
			this.#reply({ type: 'shape.response', id, status: res.status, headers, body });
		} catch {
			if (!abort.signal.aborted) this.#reply({ type: 'shape.response', id, status: 500, headers: { 'content-type': 'application/json' }, body: errorBody('internal', 'The live request failed') });
		} finally {
			this.#inFlight.delete(id);
		}
	}

	#reply(m: LiveResponseMessage) {
		if (this.#closed || this.ws.readyState !== 1) return;
		this.ws.send(JSON.stringify(m));
	}
}
