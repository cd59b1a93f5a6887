// The outbox against a real HTTP peer implementing POST /api/sync/mutations (exactly once per
// (clientId, id)), on real Dexie (fake-indexeddb).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import http from 'node:http';
import { freshDb, until, sleep } from './testing/helpers';
import { startPeer, type ProtocolPeer } from './testing/peer';
import { Outbox, enqueueMutation, getClientId, retryConflict, type OutboxOptions } from './outbox';
import { OutpostDb } from '../../src/lib/client/db';

let peer: ProtocolPeer;
let db: OutpostDb;
const boxes: Outbox[] = [];

beforeEach(async () => {
	peer = await startPeer();
	db = freshDb();
});
afterEach(async () => {
	for (const b of boxes.splice(0)) b.stop();
	await peer.close();
	await db.delete();
});

const outbox = (extra: Partial<OutboxOptions> = {}) => {
	const b = new Outbox({ db, userId: 'u1', baseUrl: peer.url, backoff: { initialDelay: 10, maxDelay: 40 }, auto: false, ...extra });
	boxes.push(b);
	return b;
};
const posts = () => peer.requests.filter((r) => r.path === '/api/sync/mutations');
const sent = () => posts().flatMap((r) => (r.body as { mutations: Array<{ id: string }> } | undefined)?.mutations.map((m) => m.id) ?? []);
const T = '0190a000-0000-7000-8000-000000000001';

describe('enqueueMutation', () => {
	it('writes the overlay and the outbox row in one transaction', async () => {
		const rec = await enqueueMutation(db, 'u1', 'ticket.update', { id: T, set: { status: 'x' } }, { overlays: [{ table: 'tickets', key: T, op: 'update', patch: { status: 'x' } }] });
		expect(await db.outbox.toArray()).toEqual([expect.objectContaining({ id: rec.id, name: 'ticket.update', userId: 'u1', attempts: 0 })]);
		expect(await db.overlays.toArray()).toEqual([expect.objectContaining({ mutationId: rec.id, table: 'tickets', key: T, op: 'update', patch: { status: 'x' } })]);
		expect(rec.clientTime).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
		expect(rec.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

		// a failing enqueue leaves neither part behind
		await expect(enqueueMutation(db, 'u1', 'ticket.update', {}, { id: rec.id, overlays: [{ table: 'tickets', key: 'other', op: 'update', patch: { a: 1 } }] })).rejects.toThrow();
		expect(await db.outbox.count()).toBe(1);
		expect(await db.overlays.count()).toBe(1);
	});

	it('derives overlays from the optimistic registry', async () => {
		await enqueueMutation(db, 'u1', 'thing.rename', { id: 'k', name: 'N' }, { registry: { 'thing.rename': (a) => [{ table: 'assets', key: a.id, op: 'update', patch: { name: a.name } }] } });
		expect(await db.overlays.toArray()).toEqual([expect.objectContaining({ table: 'assets', key: 'k', patch: { name: 'N' } })]);
	});
});

describe('Outbox ready gate', () => {
	it('sends only the ready prefix, in order, and resumes when kicked', async () => {
		const a = await enqueueMutation(db, 'u1', 'comment.add', { n: 1 });
		const b = await enqueueMutation(db, 'u1', 'comment.add', { n: 2, attachments: ['f1'] });
		const c = await enqueueMutation(db, 'u1', 'comment.add', { n: 3 });
		let uploaded = false;
		const box = outbox({ ready: (m) => uploaded || !(m.args as { attachments?: string[] }).attachments });
		expect(await box.flush()).toEqual({ applied: 1, rejected: 0, stopped: 'waiting' });
		expect(sent()).toEqual([a.id]);
		// Waiting, not failing: no attempt is counted and the later mutation does not overtake.
		expect((await db.outbox.toArray()).map((m) => [m.id, m.attempts])).toEqual([[b.id, 0], [c.id, 0]]);
		uploaded = true;
		box.kick();
		await until(async () => (await db.outbox.count()) === 0, { what: 'queue drained' });
		expect(sent()).toEqual([a.id, b.id, c.id]);
	});
});

describe('Outbox.flush', () => {
	it('sends in order, in batches of at most 100, with a stable persisted clientId', async () => {
		const ids: string[] = [];
		for (let i = 0; i < 250; i++) ids.push((await enqueueMutation(db, 'u1', 'comment.add', { i })).id);
		const r = await outbox().flush();
		expect(r).toEqual({ applied: 250, rejected: 0, stopped: undefined });
		expect(posts().map((p) => (p.body as { mutations: unknown[] }).mutations.length)).toEqual([100, 100, 50]);
		expect(sent()).toEqual(ids);
		const clientIds = new Set(posts().map((p) => (p.body as { clientId: string }).clientId));
		expect(clientIds.size).toBe(1);
		expect([...clientIds][0]).toBe(await getClientId(db));
		const m = (posts()[0].body as { mutations: Array<Record<string, unknown>> }).mutations[0];
		expect(Object.keys(m).sort()).toEqual(['args', 'clientTime', 'id', 'name']);
		expect(await db.outbox.count()).toBe(0);
	});

	it('keeps and retries with backoff on network errors and 5xx; a lost response is not applied twice', async () => {
		const { id } = await enqueueMutation(db, 'u1', 'ticket.update', { n: 1 });
		await enqueueMutation(db, 'u1', 'ticket.update', { n: 2 });
		peer.mutationFaults.push('drop', 503, 'lost');
		// delays long enough that the first retry cannot fire before the checks below
		const b = outbox({ backoff: { initialDelay: 300, maxDelay: 600 } });
		const first = await b.flush();
		expect(first.stopped).toBe('network');
		const row = (await db.outbox.toArray())[0];
		expect(row).toMatchObject({ id, attempts: 1 });
		expect(row.lastError).toMatch(/network/);
		expect(b.status().retryAt).toBeGreaterThan(Date.now() - 1);
		// the scheduled retries run by themselves: 503, then a lost response, then success
		await until(async () => (await db.outbox.count()) === 0, { what: 'drained' });
		expect(posts()).toHaveLength(4);
		// the same ids every time, in the same order; each executed exactly once on the server
		for (const p of posts()) expect((p.body as { mutations: Array<{ id: string }> }).mutations.map((m) => m.id)[0]).toBe(id);
		expect([...peer.executions.values()]).toEqual([1, 1]);
		expect(b.status()).toMatchObject({ lastError: undefined, retryAt: undefined });
	});

	it('on 401: one refresh attempt, then pauses with needsSignIn; resumes only for the same user', async () => {
		peer.token = 'good';
		let token = 'stale';
		let refreshCalls = 0;
		for (let i = 0; i < 3; i++) await enqueueMutation(db, 'u1', 'ticket.update', { i });
		const b = outbox({ headers: () => ({ authorization: `Bearer ${token}` }), refreshAuth: async () => (refreshCalls++, false) });
		const r = await b.flush();
		expect(r.stopped).toBe('unauthenticated');
		expect(refreshCalls).toBe(1);
		expect(b.needsSignIn).toBe(true);
		expect(b.status().needsSignIn).toBe(true);
		const before = posts().length;
		await b.flush();
		b.kick();
		await sleep(50);
		expect(posts().length).toBe(before); // paused: nothing sent
		expect(await db.outbox.count()).toBe(3);

		// someone else signs in on this device: u1's queue is held, never sent as u2
		token = 'good';
		b.signedIn('u2');
		await b.flush();
		expect(posts().length).toBe(before);
		await until(() => b.status().heldForOtherUsers === 3, { what: 'held count' });
		const { id: u2m } = await enqueueMutation(db, 'u2', 'ticket.update', { mine: true });
		await b.flush();
		expect(sent().at(-1)).toBe(u2m);
		expect(sent().filter((x) => x === u2m)).toHaveLength(1);
		expect(await db.outbox.where('userId').equals('u1').count()).toBe(3);

		// u1 is back: the queue resumes, in order
		b.signedIn('u1');
		await b.flush();
		expect(await db.outbox.count()).toBe(0);
		expect(b.needsSignIn).toBe(false);
	});

	it('a successful refresh on 401 resends the batch at once', async () => {
		peer.token = 'good';
		let token = 'stale';
		await enqueueMutation(db, 'u1', 'ticket.update', {});
		const b = outbox({ headers: () => ({ authorization: `Bearer ${token}` }), refreshAuth: async () => ((token = 'good'), true) });
		expect(await b.flush()).toMatchObject({ applied: 1 });
		expect(b.needsSignIn).toBe(false);
	});

	it('rejected → overlay removed, {mutation, error} in conflicts; the rest of the batch still applies', async () => {
		const bad = await enqueueMutation(db, 'u1', 'ticket.update', { id: T, set: { subject: 'Mine' }, base: { subject: 'Old' } }, { overlays: [{ table: 'tickets', key: T, op: 'update', patch: { subject: 'Mine' } }] });
		const good = await enqueueMutation(db, 'u1', 'comment.add', { body: 'hello' });
		peer.mutationHandler = (m) =>
			m.id === bad.id
				? { status: 'rejected', error: { code: 'conflict', reason: 'subject was changed by someone else', fields: [{ field: 'subject', message: 'changed', yours: 'Mine', theirs: 'Theirs', base: 'Old' }], choices: ['keep_theirs', 'apply_mine'] } }
				: { status: 'applied' };
		expect(await outbox().flush()).toMatchObject({ applied: 1, rejected: 1 });
		expect(await db.overlays.count()).toBe(0);
		expect(await db.outbox.count()).toBe(0);
		const c = await db.conflicts.get(bad.id);
		expect(c).toMatchObject({
			name: 'ticket.update',
			args: { id: T, set: { subject: 'Mine' }, base: { subject: 'Old' } },
			userId: 'u1',
			error: { code: 'conflict', fields: [{ field: 'subject', yours: 'Mine', theirs: 'Theirs', base: 'Old' }] },
			overlays: [{ table: 'tickets', key: T, op: 'update', patch: { subject: 'Mine' } }]
		});
		expect(await db.conflicts.get(good.id)).toBeUndefined();

		// the inbox can send it again as a new mutation (new id), e.g. rebased on theirs
		const again = await retryConflict(db, bad.id, { args: { id: T, set: { subject: 'Mine' }, base: { subject: 'Theirs' } } });
		expect(again!.id).not.toBe(bad.id);
		expect(await db.conflicts.count()).toBe(0);
		expect(await db.outbox.count()).toBe(1);
	});

	it('a request refused as a whole (400) moves its mutations to conflicts instead of retrying forever', async () => {
		await enqueueMutation(db, 'u1', 'ticket.update', {});
		peer.mutationFaults.push({ status: 400, body: { error: { code: 'validation', message: 'clientId: must be a uuid', fields: [{ field: 'clientId', message: 'must be a uuid' }] } } });
		expect(await outbox().flush()).toMatchObject({ rejected: 1 });
		expect((await db.conflicts.toArray())[0].error).toMatchObject({ code: 'validation', reason: 'clientId: must be a uuid' });
	});

	it('survives a reload: queued while the server is unreachable, sent by a new instance later', async () => {
		const dead = http.createServer();
		await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
		const port = (dead.address() as { port: number }).port;
		await new Promise<void>((r) => dead.close(() => r()));
		const first = outbox({ baseUrl: `http://127.0.0.1:${port}` });
		const { id } = await first.mutate('ticket.update', { offline: true });
		expect(await first.flush()).toMatchObject({ stopped: 'network' });
		first.stop();
		const clientId = await getClientId(db);
		db.close();

		// "reload": a new database connection and a new outbox on the same IndexedDB database
		const reopened = new OutpostDb(db.name);
		const second = new Outbox({ db: reopened, userId: 'u1', baseUrl: peer.url, auto: false });
		boxes.push(second);
		expect(await second.flush()).toMatchObject({ applied: 1 });
		expect(sent()).toEqual([id]);
		expect((posts()[0].body as { clientId: string }).clientId).toBe(clientId);
		reopened.close();
		db = new OutpostDb(db.name);
	});

	it('coming online while an offline request is still in flight sends at once, not after the backoff', async () => {
		const { id } = await enqueueMutation(db, 'u1', 'ticket.update', { n: 1 });
		let release!: () => void;
		const inFlight = new Promise<void>((r) => (release = r));
		let calls = 0;
		// The first request started while offline and fails only after the device is back online.
		const fetchClient: typeof fetch = async (input, init) => {
			if (++calls === 1) {
				await inFlight;
				throw new TypeError('fetch failed (offline)');
			}
			return fetch(input, init);
		};
		const b = outbox({ fetchClient, backoff: { initialDelay: 60_000, maxDelay: 60_000 } });
		const first = b.flush();
		while (calls === 0) await sleep(5);
		b.retryNow(); // the 'online' event
		release();
		expect((await first).stopped).toBe('network');
		await until(async () => (await db.outbox.count()) === 0, { what: 'sent after coming online', timeoutMs: 5_000 });
		expect(sent()).toEqual([id]);
	});

	it('flushes by itself when started, and when something is queued', async () => {
		const b = outbox({ auto: true });
		b.start();
		await enqueueMutation(db, 'u1', 'ticket.update', {}); // e.g. from another tab
		await until(async () => (await db.outbox.count()) === 0 && posts().length === 1, { what: 'auto flush' });
		await b.mutate('ticket.update', {});
		await until(async () => posts().length === 2, { what: 'kick on mutate' });
	});
});
