import { describe, it, expect } from 'vitest';
import { withOverlays, applyOverlays } from './overlays';
import type { OverlayRecord } from './schema';
import { normalizeTimestamp, parseInt8, keyFromMessageKey } from './values';
import { txidVisibleInSnapshot, widenTxid } from './txids';

let oid = 0;
const ov = (o: Partial<OverlayRecord> & Pick<OverlayRecord, 'key' | 'op'>): OverlayRecord => ({ oid: ++oid, mutationId: `m${oid}`, table: 'tickets', patch: {}, createdAt: oid, ...o });

const rows = [
	{ id: 'a', subject: 'Printer', status: 'new', priority: 'low' },
	{ id: 'b', subject: 'VPN', status: 'new', priority: 'high' }
];

describe('withOverlays', () => {
	it('returns the synced rows untouched when nothing is pending', () => {
		expect(withOverlays(rows, [])).toEqual(rows);
	});

	it('merges an update field by field and marks the row pending', () => {
		const out = withOverlays(rows, [ov({ key: 'a', op: 'update', patch: { status: 'in_progress' }, mutationId: 'm-x' })]);
		expect(out[0]).toEqual({ id: 'a', subject: 'Printer', status: 'in_progress', priority: 'low', $pending: true, $pendingFields: ['status'], $mutationIds: ['m-x'] });
		expect(out[1]).toBe(rows[1]);
		// the synced row object is not mutated
		expect(rows[0].status).toBe('new');
	});

	it('stacks several overlays on one row in the order they were made', () => {
		const out = withOverlays(rows, [ov({ key: 'a', op: 'update', patch: { priority: 'critical', subject: 'Second' }, oid: 20 }), ov({ key: 'a', op: 'update', patch: { subject: 'First' }, oid: 10 })]);
		expect(out[0]).toMatchObject({ subject: 'Second', priority: 'critical', $pending: true });
		expect(out[0].$pendingFields!.sort()).toEqual(['priority', 'subject']);
		expect(out[0].$mutationIds).toHaveLength(2);
	});

	it('appends optimistic inserts and merges one the stream already delivered', () => {
		const out = withOverlays(rows, [ov({ key: 'c', op: 'insert', patch: { id: 'c', subject: 'New', status: 'new' } }), ov({ key: 'b', op: 'insert', patch: { id: 'b', subject: 'VPN down' } })]);
		expect(out.map((r) => r.id)).toEqual(['a', 'b', 'c']);
		expect(out[1]).toMatchObject({ subject: 'VPN down', priority: 'high', $pending: true });
		expect(out[2]).toMatchObject({ id: 'c', subject: 'New', $pending: true });
	});

	it('drops rows a pending mutation deletes, or keeps them marked', () => {
		const del = [ov({ key: 'a', op: 'delete' })];
		expect(withOverlays(rows, del).map((r) => r.id)).toEqual(['b']);
		expect(withOverlays(rows, del, { keepDeleted: true })[0]).toMatchObject({ id: 'a', $pendingDelete: true });
	});

	it('ignores an update for a row it does not have, and overlays of other tables', () => {
		expect(withOverlays(rows, [ov({ key: 'zzz', op: 'update', patch: { status: 'closed' } })])).toHaveLength(2);
		expect(withOverlays(rows, [ov({ key: 'a', op: 'update', patch: { status: 'closed' }, table: 'assets' })], { table: 'tickets' })[0]).toBe(rows[0]);
	});

	it('re-applies the list filter to pending values', () => {
		const isNew = (r: { status?: unknown }) => r.status === 'new';
		const out = withOverlays(rows.filter(isNew), [ov({ key: 'a', op: 'update', patch: { status: 'resolved' } }), ov({ key: 'n', op: 'insert', patch: { id: 'n', status: 'new' } }), ov({ key: 'm', op: 'insert', patch: { id: 'm', status: 'closed' } })], { filter: isNew });
		expect(out.map((r) => r.id)).toEqual(['b', 'n']);
	});

	it('applyOverlays on a missing row only materialises inserts', () => {
		expect(applyOverlays(undefined, [ov({ key: 'q', op: 'update', patch: { x: 1 } })])).toBeUndefined();
		expect(applyOverlays(undefined, [ov({ key: 'q', op: 'insert', patch: { id: 'q' } })])).toMatchObject({ id: 'q', $pending: true });
	});
});

describe('value parsing', () => {
	it('normalises timestamps to fixed-width ISO UTC, lossless', () => {
		expect(normalizeTimestamp('2026-03-01 09:30:00.5+00')).toBe('2026-03-01T09:30:00.500000Z');
		expect(normalizeTimestamp('2026-03-01 09:30:00+00')).toBe('2026-03-01T09:30:00.000000Z');
		expect(normalizeTimestamp('2026-03-01T09:30:00.123456+00:00')).toBe('2026-03-01T09:30:00.123456Z');
		expect(normalizeTimestamp('2026-03-01T09:30:00.123Z')).toBe('2026-03-01T09:30:00.123000Z');
		expect(normalizeTimestamp('2026-03-01 11:30:00.25+02')).toBe('2026-03-01T09:30:00.250000Z');
		expect(normalizeTimestamp('2026-03-01 04:00:00-05:30')).toBe('2026-03-01T09:30:00.000000Z');
		expect(normalizeTimestamp('infinity')).toBe('infinity');
		// string order is time order
		const a = normalizeTimestamp('2026-03-01 09:30:00+00');
		const b = normalizeTimestamp('2026-03-01 09:30:00.05+00');
		expect(a < b).toBe(true);
	});

	it('keeps int8 a number when safe, else the exact string (never BigInt)', () => {
		expect(parseInt8('1042')).toBe(1042);
		expect(parseInt8('9223372036854775807')).toBe('9223372036854775807');
	});

	it('reads the primary key out of an Electric message key', () => {
		expect(keyFromMessageKey('"public"."tickets"/"0190a000-0000-7000-8000-000000000001"')).toBe('0190a000-0000-7000-8000-000000000001');
	});
});

describe('txid visibility (32-bit txids against xid8 snapshots)', () => {
	it('widens to the epoch nearest the snapshot', () => {
		const epoch1 = 1n << 32n;
		expect(widenTxid(100, epoch1 + 200n)).toBe(epoch1 + 100n);
		// just before a wrap: the txid belongs to the previous epoch
		expect(widenTxid(0xfffffff0, epoch1 + 5n)).toBe(0xfffffff0n);
	});

	it('follows Postgres visibility rules', () => {
		const snap = { xmin: '1000', xmax: '1010', xip_list: ['1003'] };
		expect(txidVisibleInSnapshot(999, snap)).toBe(true);
		expect(txidVisibleInSnapshot(1005, snap)).toBe(true);
		expect(txidVisibleInSnapshot(1003, snap)).toBe(false);
		expect(txidVisibleInSnapshot(1010, snap)).toBe(false);
	});
});
