// LiveMux against a real WebSocket server (the `ws` package on 127.0.0.1), scripted per test:
// live requests go over the socket and come back as Responses with the server's status and
// headers; others and every fallback go to HTTP; an abort cancels on the server; a 401 or a
// socket that dies under a waiting request re-sends it over HTTP; the socket comes back.
import { describe, it, expect, afterEach } from 'vitest';
import { WebSocketServer, WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { LiveMux, type WebSocketLike } from './live-mux';
import { until } from './testing/helpers';

interface Script {
	onLive?: (msg: { id: string; query: string }, reply: (status: number, body: string, headers?: Record<string, string>) => void, ws: WebSocket) => void;
}

async function server(script: Script) {
	const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
	await new Promise((r) => wss.once('listening', r));
	const received: Array<{ type: string; id: string; query?: string }> = [];
	wss.on('connection', (ws) => {
		ws.on('message', (raw) => {
			const msg = JSON.parse(String(raw));
			received.push(msg);
			if (msg.type === 'shape.live')
				script.onLive?.(msg, (status, body, headers = {}) => ws.send(JSON.stringify({ type: 'shape.response', id: msg.id, status, headers: { 'content-type': 'application/json', ...headers }, body })), ws);
		});
	});
	const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
	return { wss, url, received, close: () => new Promise((r) => wss.close(r)) };
}

function httpRecorder() {
	const calls: string[] = [];
	const fetchFn: typeof fetch = async (input) => {
		calls.push(String(input));
		return new Response('[]', { status: 200, headers: { 'x-via': 'http' } });
	};
	return { calls, fetchFn };
}

const LIVE = 'http://app.test/api/sync/shape?shape=tickets&offset=1_0&handle=h&live=true&cursor=1';
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
	for (const c of cleanup.splice(0)) await c();
});

describe('LiveMux', () => {
	it('answers live requests over the socket with the server status, headers and body; others over HTTP', async () => {
		const srv = await server({ onLive: (m, reply) => reply(200, `[{"q":${JSON.stringify(m.query)}}]`, { 'electric-offset': '2_0', 'electric-cursor': '7' }) });
		const http = httpRecorder();
		const mux = new LiveMux({ connect: () => new WebSocket(srv.url) as unknown as WebSocketLike, fallback: http.fetchFn });
		cleanup.push(() => mux.close(), srv.close);
		const res = await mux.fetch(LIVE);
		expect(res.status).toBe(200);
		expect(res.headers.get('electric-offset')).toBe('2_0');
		expect(res.headers.get('electric-cursor')).toBe('7');
		expect(await res.json()).toEqual([{ q: 'shape=tickets&offset=1_0&handle=h&live=true&cursor=1' }]);
		const initial = await mux.fetch('http://app.test/api/sync/shape?shape=tickets&offset=-1');
		expect(initial.headers.get('x-via')).toBe('http');
		expect(http.calls).toEqual(['http://app.test/api/sync/shape?shape=tickets&offset=-1']);
		expect(mux.stats.overSocket).toBe(1);
	});

	it('an aborted request is cancelled on the server and rejects with the abort reason', async () => {
		const srv = await server({}); // never answers
		const http = httpRecorder();
		const mux = new LiveMux({ connect: () => new WebSocket(srv.url) as unknown as WebSocketLike, fallback: http.fetchFn });
		cleanup.push(() => mux.close(), srv.close);
		const ac = new AbortController();
		const p = mux.fetch(LIVE, { signal: ac.signal });
		await until(() => srv.received.some((m) => m.type === 'shape.live'), { what: 'request sent' });
		ac.abort(new Error('stream stopped'));
		await expect(p).rejects.toThrow('stream stopped');
		await until(() => srv.received.some((m) => m.type === 'shape.cancel'), { what: 'cancel sent' });
		const live = srv.received.find((m) => m.type === 'shape.live')!;
		expect(srv.received.find((m) => m.type === 'shape.cancel')!.id).toBe(live.id);
		expect(http.calls).toEqual([]);
	});

	it('a 401 over the socket is retried over HTTP and the socket is reopened', async () => {
		let first = true;
		const srv = await server({
			onLive: (_m, reply) => {
				if (first) {
					first = false;
					reply(401, '{"error":{"code":"token_expired"}}');
				} else reply(200, '[]');
			}
		});
		const http = httpRecorder();
		const mux = new LiveMux({ connect: () => new WebSocket(srv.url) as unknown as WebSocketLike, fallback: http.fetchFn, reconnect: { initialDelay: 20, maxDelay: 50 } });
		cleanup.push(() => mux.close(), srv.close);
		const res = await mux.fetch(LIVE);
		expect(res.headers.get('x-via')).toBe('http');
		expect(http.calls).toEqual([LIVE]);
		await until(() => mux.connected, { what: 'reconnected' });
		const again = await mux.fetch(LIVE);
		expect(again.headers.get('x-via')).toBeNull();
		expect(mux.stats.overSocket).toBe(1);
	});

	it('requests waiting on a socket that closes finish over HTTP; without a server everything uses HTTP', async () => {
		const srv = await server({ onLive: (_m, _reply, ws) => setTimeout(() => ws.terminate(), 20) });
		const http = httpRecorder();
		const mux = new LiveMux({ connect: () => new WebSocket(srv.url) as unknown as WebSocketLike, fallback: http.fetchFn, reconnect: { initialDelay: 20, maxDelay: 50 }, connectWaitMs: 200 });
		cleanup.push(() => mux.close());
		const [a, b] = await Promise.all([mux.fetch(LIVE), mux.fetch(LIVE.replace('shape=tickets', 'shape=users'))]);
		expect(a.headers.get('x-via')).toBe('http');
		expect(b.headers.get('x-via')).toBe('http');
		await srv.close();
		const c = await mux.fetch(LIVE);
		expect(c.headers.get('x-via')).toBe('http');
		expect(http.calls.length).toBe(3);
		expect(mux.stats.overSocket).toBe(0);
	});
});
