// The runes store the UI reads (src/lib/client/sync.svelte.ts), driven by a real engine against
// the protocol peer.
import { describe, it, expect, afterEach } from 'vitest';
import { freshDb, until } from './testing/helpers';
import { startPeer, ticket, TICKET_SCHEMA, type ProtocolPeer } from './testing/peer';
import { sync } from '../../src/lib/client/sync.svelte';
import type { OutpostDb } from '../../src/lib/client/db';

let peer: ProtocolPeer | undefined;
let db: OutpostDb | undefined;
afterEach(async () => {
	sync.stop();
	await peer?.close();
	await db?.delete();
});

describe('sync store', () => {
	it('exposes per-shape state, the outbox and conflicts counts, and needsSignIn', async () => {
		peer = await startPeer();
		db = freshDb();
		const t1 = ticket(1);
		peer.defineShape('tickets', TICKET_SCHEMA, [t1]);
		peer.mutationHandler = (m) => (m.name === 'ticket.update' ? { status: 'rejected', error: { code: 'conflict', reason: 'changed underneath', fields: [{ field: 'subject', yours: 'a', theirs: 'b', base: 'c' }] } } : { status: 'applied' });
		peer.mutationFaults.push(503);
		sync.start({ userId: 'u1', db, baseUrl: peer.url, shapes: ['tickets'], headers: () => ({}) });
		await until(() => sync.shapes.tickets?.phase === 'live', { what: 'live' });
		expect(sync.upToDate).toBe(true);
		expect(sync.leader).toBe(true);

		await sync.mutate('ticket.update', { id: t1.id, set: { subject: 'a' }, base: { subject: 'c' } });
		// the first attempt gets a 503: the change stays queued and counted
		await until(() => sync.outboxCount === 1 && !!sync.lastError, { what: 'queued after a 503' });
		sync.refresh();
		await until(() => sync.outboxCount === 0 && sync.conflictsCount === 1, { timeoutMs: 15_000, what: 'conflict count' });
		const [c] = await sync.conflicts(db);
		expect(c.error.fields?.[0]).toMatchObject({ yours: 'a', theirs: 'b' });
		await sync.dismissConflict(c.id, db);
		await until(() => sync.conflictsCount === 0, { what: 'dismissed' });
	});
});
