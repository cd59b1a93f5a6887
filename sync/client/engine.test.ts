// The engine: one leader per browser (Web Locks), mutations from any tab, confirmation sweep.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { freshDb, until, FAST } from './testing/helpers';
import { startPeer, ticket, TICKET_SCHEMA, type ProtocolPeer } from './testing/peer';
import { SyncEngine, SYNC_LOCK, type SyncEngineOptions } from './engine';
import { defaultOptimistic } from './optimistic';
import { withOverlays } from './overlays';
import { OutpostDb } from '../../src/lib/client/db';
import { getTicket, countTickets, allTickets } from '../../src/lib/client/tickets';

/** A minimal in-process stand-in for navigator.locks (exclusive, FIFO, abortable while queued). */
class FakeLocks {
	held = new Map<string, boolean>();
	queue: Array<{ name: string; run: () => void }> = [];
	async request(name: string, opts: { signal?: AbortSignal }, cb: () => Promise<void>): Promise<void> {
		if (this.held.get(name)) {
			await new Promise<void>((resolve, reject) => {
				const entry = { name, run: resolve };
				this.queue.push(entry);
				opts.signal?.addEventListener('abort', () => {
					this.queue = this.queue.filter((e) => e !== entry);
					reject(new DOMException('aborted', 'AbortError'));
				});
			});
		}
		this.held.set(name, true);
		try {
			await cb();
		} finally {
			this.held.set(name, false);
			const next = this.queue.findIndex((e) => e.name === name);
			if (next >= 0) this.queue.splice(next, 1)[0].run();
		}
	}
}

let peer: ProtocolPeer;
let db: OutpostDb;
const engines: SyncEngine[] = [];
const t1 = ticket(1);

beforeEach(async () => {
	peer = await startPeer();
	db = freshDb();
	peer.defineShape('tickets', TICKET_SCHEMA, [t1, ticket(2)]);
	// a server-side ticket.update: applies `set` and streams the change with the txid
	peer.mutationHandler = ({ name, args }, { peer: p }) => {
		if (name !== 'ticket.update') return { status: 'rejected', error: { code: 'validation', reason: 'unknown' } };
		const txid = p.nextTxid();
		p.change('tickets', 'update', { id: args.id, ...args.set }, { txid });
		return { status: 'applied', txid };
	};
});
afterEach(async () => {
	for (const e of engines.splice(0)) e.stop();
	delete (globalThis as { navigator?: unknown }).navigator;
	await peer.close();
	await db.delete();
});

const engine = (extra: Partial<SyncEngineOptions> = {}) => {
	const e = new SyncEngine({ db, userId: 'u1', baseUrl: peer.url, shapes: ['tickets'], registry: defaultOptimistic, replicator: { backoff: FAST }, ...extra });
	engines.push(e);
	return e;
};

describe('SyncEngine', () => {
	it('mutate → optimistic overlay at once → applied → txid streamed → overlay gone, rows equal the server', async () => {
		const e = engine();
		e.start();
		await e.replicator.whenLive();
		expect(e.status()).toMatchObject({ leader: true, needsSignIn: false, shapes: { tickets: { phase: 'live' } } });
		const pending = e.mutate('ticket.update', { id: t1.id, set: { subject: 'Edited offline', priority: 'high' }, base: { subject: t1.subject, priority: t1.priority } });
		await pending;
		await until(async () => (await db.outbox.count()) === 0 && (await db.overlays.count()) === 0, { what: 'confirmed' });
		const rows = await allTickets(db);
		expect(withOverlays(rows, await db.overlays.toArray()).find((r) => r.id === t1.id)).toMatchObject({ subject: 'Edited offline', priority: 'high' });
		expect(rows.map((r) => [r.id, r.subject, r.priority]).sort()).toEqual(peer.rows('tickets').map((r) => [r.id, r.subject, r.priority]).sort());
	});

	it('shows the optimistic value before the server answers', async () => {
		const e = engine({ outbox: { auto: false } });
		e.start();
		await e.replicator.whenLive();
		await e.mutate('ticket.update', { id: t1.id, set: { subject: 'Not yet sent' }, base: { subject: t1.subject } });
		const shown = withOverlays(await allTickets(db), await db.overlays.toArray(), { table: 'tickets' });
		expect(shown.find((r) => r.id === t1.id)).toMatchObject({ subject: 'Not yet sent', $pending: true, $pendingFields: expect.arrayContaining(['subject', 'updated_at']) });
		expect((await getTicket(db, t1.id))!.subject).toBe(t1.subject);
	});

	it('one tab leads (Web Lock): the other only enqueues; when the leader goes, it takes over', async () => {
		const locks = new FakeLocks();
		(globalThis as { navigator?: unknown }).navigator = { locks };
		const fetchesA: string[] = [];
		const fetchesB: string[] = [];
		const counting = (log: string[]): typeof fetch => (input, init) => (log.push(String(input)), fetch(input, init));
		const a = engine({ fetchClient: counting(fetchesA) });
		// tab B: its own Dexie connection to the same IndexedDB database
		const dbB = new OutpostDb(db.name);
		const b = engine({ db: dbB, fetchClient: counting(fetchesB) });
		a.start();
		b.start();
		await a.replicator.whenLive();
		expect(a.isLeader).toBe(true);
		expect(b.isLeader).toBe(false);
		expect(locks.held.get(SYNC_LOCK)).toBe(true);

		// a mutation made in tab B is sent by the leader A
		await b.mutate('ticket.update', { id: t1.id, set: { subject: 'From tab B' }, base: { subject: t1.subject } });
		await until(async () => (await db.outbox.count()) === 0 && (await getTicket(db, t1.id))?.subject === 'From tab B', { what: 'leader flushed B’s mutation' });
		expect(fetchesB).toHaveLength(0);

		// the leader tab closes: B takes over and syncs
		a.stop();
		await until(() => b.isLeader, { what: 'B leads' });
		await b.replicator.whenLive();
		expect(fetchesB.length).toBeGreaterThan(0);
		peer.change('tickets', 'insert', ticket(3));
		await until(async () => (await countTickets(dbB)) === 3, { what: 'B replicates' });
		b.stop();
		dbB.close();
	});

	it('surfaces needsSignIn when the shape stream gets 401 and resumes after signedIn(same user)', async () => {
		peer.token = 'good';
		let token = 'good';
		const e = engine({ headers: () => ({ authorization: `Bearer ${token}` }), refreshAuth: async () => false });
		e.start();
		await e.replicator.whenLive();
		token = 'expired';
		peer.change('tickets', 'insert', ticket(3));
		await until(() => e.status().needsSignIn, { what: 'needsSignIn' });
		await e.mutate('ticket.update', { id: t1.id, set: { subject: 'queued while signed out' }, base: { subject: t1.subject } });
		token = 'good';
		e.signedIn('u1');
		await until(async () => (await countTickets(db)) === 3 && (await db.outbox.count()) === 0 && (await db.overlays.count()) === 0, { what: 'resumed' });
		expect(e.status().needsSignIn).toBe(false);
	});
});
