// Live shape requests over the `/ws` socket (sync/client/live-mux.ts ↔ sync/server/mux.ts) on the
// real built server, both databases: a device's long-polls travel over one socket and changes
// still arrive; the socket answers exactly what the HTTP gatekeeper would (403 for a forbidden
// shape, injected table/where ignored, non-live refused); a revoked session is refused on the
// next live request and the device falls back to HTTP, asks for sign-in, and resumes after it;
// a server restart closes the socket, requests fall back to HTTP and the socket comes back.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import WebSocket from 'ws';
import { uuidv7 } from 'uuidv7';
import { freshDb, until } from '../../sync/client/testing/helpers';
import { SyncEngine } from '../../sync/client/engine';
import type { WebSocketLike } from '../../sync/client/live-mux';
import { defaultOptimistic } from '../../sync/client/optimistic';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, type RunningServer } from '../support/server';
import type { Backend } from '../support/backends';
import { getTicket } from '../../src/lib/client/tickets';

const backends = inject('backends') as Backend[];
const PASSWORD = 'an unusual passphrase for the socket test';
const SHAPES = ['tickets', 'ticket_comments', 'notifications', 'teams', 'users'];

/** A raw socket for protocol checks: send a message, await the response with that id. */
async function rawSocket(base: string, token: string) {
	const ws = new WebSocket(base.replace(/^http/, 'ws') + '/ws', { headers: { authorization: `Bearer ${token}` } });
	const answers = new Map<string, (m: any) => void>();
	ws.on('message', (d) => {
		const m = JSON.parse(String(d));
		if (m.type === 'shape.response') answers.get(m.id)?.(m);
	});
	await new Promise((res, rej) => {
		ws.once('open', res);
		ws.once('error', rej);
	});
	let n = 0;
	return {
		ask(query: string, timeoutMs = 10_000): Promise<{ status: number; headers: Record<string, string>; body: string }> {
			const id = `q${++n}`;
			return new Promise((resolve, reject) => {
				const t = setTimeout(() => reject(new Error(`no answer to ${query}`)), timeoutMs);
				answers.set(id, (m) => {
					clearTimeout(t);
					resolve(m);
				});
				ws.send(JSON.stringify({ type: 'shape.live', id, query }));
			});
		},
		close: () => ws.close()
	};
}

describe.each(backends)('live requests over the socket on %s', (backend) => {
	let srv: RunningServer;
	let admin: Client;
	let adminId = '';
	let token = '';
	let endUser: { id: string; email: string; token: string };
	const engines: SyncEngine[] = [];
	/** HTTP requests the device made, by kind. */
	const http = { live: 0, other: 0 };

	const device = () => {
		const db = freshDb();
		const counting: typeof fetch = (input, init) => {
			if (/[?&]live=true/.test(String(input))) http.live++;
			else http.other++;
			return fetch(input, init);
		};
		const e = new SyncEngine({
			db,
			userId: adminId,
			baseUrl: srv.url,
			shapes: SHAPES,
			headers: () => ({ authorization: `Bearer ${token}` }),
			fetchClient: counting,
			// The token is read when the socket opens, so a new sign-in reaches the next socket.
			liveSocket: () => new WebSocket(srv.url.replace(/^http/, 'ws') + '/ws', { headers: { authorization: `Bearer ${token}` } }) as unknown as WebSocketLike,
			registry: defaultOptimistic,
			noLeaderElection: true,
			replicator: { backoff: { initialDelay: 50, maxDelay: 500, multiplier: 2 }, restartBackoff: { initialDelay: 50, maxDelay: 500 } },
			outbox: { backoff: { initialDelay: 50, maxDelay: 500 } }
		});
		engines.push(e);
		return { db, e };
	};

	beforeAll(async () => {
		srv = await startServer(backend);
		admin = new Client(srv.url);
		const r = await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
		token = r.json.accessToken;
		adminId = r.json.user.id;
		const email = `portal-${Math.random().toString(36).slice(2, 8)}@example.test`;
		const u = await admin.post('/api/v1/admin/users', { email, name: 'Portal user', roles: ['end_user'], password: PASSWORD });
		expect(u.status, u.text).toBe(201);
		const l = await new Client(srv.url).login(email, PASSWORD);
		endUser = { id: u.json.user.id, email, token: l.json.accessToken };
	});
	afterAll(async () => {
		for (const e of engines) e.stop();
		await srv?.stop();
	});

	it('carries every long-poll of a device over one socket, and changes arrive through it', async () => {
		const { db, e } = device();
		e.start();
		await e.replicator.whenLive(SHAPES, 30_000);
		await until(() => e.mux!.connected, { what: 'socket open' });
		// Let every stream be answered over the socket at least once (a first poll may have gone
		// over HTTP while the socket was still opening).
		const id = uuidv7();
		await e.mutate('ticket.create', { id, subject: 'Printer on fire (socket)' });
		await until(async () => (await getTicket(db, id))?.subject === 'Printer on fire (socket)', { what: 'created ticket replicated' });
		const httpLiveBefore = http.live;
		const socketBefore = e.mux!.stats.overSocket;
		for (let i = 0; i < 5; i++) {
			const tid = uuidv7();
			const other = new Client(srv.url, { bearer: token });
			const res = await other.post('/api/sync/mutations', { clientId: uuidv7(), mutations: [{ id: uuidv7(), name: 'ticket.create', args: { id: tid, subject: `socket ${i}` }, clientTime: new Date().toISOString() }] });
			expect(res.status, res.text).toBe(200);
			await until(async () => (await getTicket(db, tid))?.subject === `socket ${i}`, { what: `ticket ${i} replicated` });
		}
		expect(e.mux!.stats.overSocket - socketBefore).toBeGreaterThanOrEqual(5);
		expect(http.live - httpLiveBefore).toBe(0);
	});

	it('answers over the socket exactly what the gatekeeper answers', async () => {
		// A live position for the end user's own tickets shape, from HTTP.
		const first = await fetch(`${srv.url}/api/sync/shape?shape=tickets&offset=-1`, { headers: { authorization: `Bearer ${endUser.token}` } });
		expect(first.status).toBe(200);
		await first.text();
		const handle = first.headers.get('electric-handle')!;
		const offset = first.headers.get('electric-offset')!;
		const sock = await rawSocket(srv.url, endUser.token);
		try {
			// A shape this role may not read: 403, as over HTTP.
			const forbidden = await sock.ask(`shape=assets&offset=${offset}&handle=${handle}&live=true`);
			expect(forbidden.status).toBe(403);
			// Unknown shape and missing name: 403 / 400.
			expect((await sock.ask(`shape=nope&offset=${offset}&handle=${handle}&live=true`)).status).toBe(403);
			expect((await sock.ask(`offset=${offset}&handle=${handle}&live=true`)).status).toBe(400);
			// Only live requests travel over the socket.
			expect((await sock.ask('shape=tickets&offset=-1')).status).toBe(400);
			// Injected table/where are ignored: the answer is the end user's own shape (same handle
			// identity), and a change to someone else's ticket never shows up in it.
			const injected = sock.ask(`shape=tickets&offset=${offset}&handle=${handle}&live=true&table=users&where=true&columns=password_hash`, 30_000);
			const others = uuidv7();
			const mine = uuidv7();
			const send = (args: Record<string, unknown>, bearer: string) =>
				new Client(srv.url, { bearer }).post('/api/sync/mutations', { clientId: uuidv7(), mutations: [{ id: uuidv7(), name: 'ticket.create', args, clientTime: new Date().toISOString() }] });
			expect((await send({ id: others, subject: 'not yours' }, token)).status).toBe(200);
			expect((await send({ id: mine, subject: 'mine' }, endUser.token)).status).toBe(200);
			let res = await injected;
			let messages = JSON.parse(res.body);
			// The first answer may be a lone up-to-date (the other user's ticket woke the poll): follow.
			for (let i = 0; i < 5 && !messages.some((m: any) => m.value?.id === mine); i++) {
				expect(res.status).toBe(200);
				const next = `shape=tickets&offset=${res.headers['electric-offset']}&handle=${handle}&live=true&cursor=${res.headers['electric-cursor'] ?? ''}`;
				res = await sock.ask(next, 30_000);
				messages = [...messages, ...JSON.parse(res.body)];
			}
			expect(res.status).toBe(200);
			expect(res.headers['electric-handle']).toBe(handle);
			expect(res.headers['electric-cursor']).toBeTruthy();
			const ids = messages.filter((m: any) => m.value).map((m: any) => m.value.id);
			expect(ids).toContain(mine);
			expect(ids).not.toContain(others);
			for (const m of messages) if (m.value) expect(m.value).not.toHaveProperty('password_hash');
		} finally {
			sock.close();
		}
	});

	it('refuses a revoked session on the next live request; the device asks for sign-in, then resumes', async () => {
		const { db, e } = device();
		e.start();
		await e.replicator.whenLive(SHAPES, 30_000);
		await until(() => e.mux!.connected, { what: 'socket open' });
		// Sign out this session everywhere: its refresh family and access tokens die.
		const loggedOut = await new Client(srv.url, { bearer: token }).post('/api/auth/logout');
		expect(loggedOut.status).toBe(204);
		// Wake the waiting polls: their next request is refused over the socket, then over HTTP.
		const wake = await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
		const adminNow = new Client(srv.url, { bearer: wake.json.accessToken });
		const t1 = uuidv7();
		expect((await adminNow.post('/api/sync/mutations', { clientId: uuidv7(), mutations: [{ id: uuidv7(), name: 'ticket.create', args: { id: t1, subject: 'while signed out' }, clientTime: new Date().toISOString() }] })).status).toBe(200);
		await until(() => e.status().needsSignIn, { what: 'needs sign-in', timeoutMs: 15_000 });
		// Sign in again: the same user resumes, the socket reopens with the new token.
		token = wake.json.accessToken;
		e.signedIn(adminId);
		await until(async () => (await getTicket(db, t1)) !== undefined, { what: 'caught up after sign-in', timeoutMs: 15_000 });
		await until(() => e.mux!.connected, { what: 'socket reopened', timeoutMs: 15_000 });
		// Live again, and over the socket again: a change can still be answered by a poll that went
		// over HTTP while the socket reopened, so write until one arrives over the socket (the next
		// poll waits on the socket; with nothing to send it would only answer after 20 s).
		const before = e.mux!.stats.overSocket;
		for (let i = 0; i < 5 && e.mux!.stats.overSocket <= before; i++) {
			const t2 = uuidv7();
			expect((await adminNow.post('/api/sync/mutations', { clientId: uuidv7(), mutations: [{ id: uuidv7(), name: 'ticket.create', args: { id: t2, subject: `after sign-in ${i}` }, clientTime: new Date().toISOString() }] })).status).toBe(200);
			await until(async () => (await getTicket(db, t2)) !== undefined, { what: 'live again', timeoutMs: 15_000 });
			await until(() => e.mux!.stats.overSocket > before, { what: 'answered over the socket again', timeoutMs: 2_000 }).catch(() => {});
		}
		expect(e.mux!.stats.overSocket, 'answered over the socket again').toBeGreaterThan(before);
	});

	it('falls back to HTTP while the server is down and reconnects the socket after', async () => {
		const { db, e } = device();
		e.start();
		await e.replicator.whenLive(SHAPES, 30_000);
		await until(() => e.mux!.connected, { what: 'socket open' });
		// Same port, same data: the device keeps running through the outage.
		const port = new URL(srv.url).port;
		await srv.stop({ keepData: true });
		srv = await startServer(backend, { PORT: port }, { dataDir: srv.dataDir, databaseUrl: srv.databaseUrl });
		const t = uuidv7();
		const c = new Client(srv.url, { bearer: token });
		const r = await c.post('/api/sync/mutations', { clientId: uuidv7(), mutations: [{ id: uuidv7(), name: 'ticket.create', args: { id: t, subject: 'after restart' }, clientTime: new Date().toISOString() }] });
		expect(r.status, r.text).toBe(200);
		await until(async () => (await getTicket(db, t)) !== undefined, { what: 'replicated after restart', timeoutMs: 20_000 });
		await until(() => e.mux!.connected, { what: 'socket reconnected', timeoutMs: 20_000 });
		expect(e.mux!.stats.reconnects).toBeGreaterThan(0);
	});
});
