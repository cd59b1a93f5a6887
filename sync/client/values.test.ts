// The replicator's own body parser (values.ts fast path) must yield exactly what the real
// @electric-sql/client ShapeStream yields for the same response with the same `parser`.
import { describe, it, expect } from 'vitest';
import { ShapeStream, isChangeMessage, type Message, type Row } from '@electric-sql/client';
import { normalizeTimestamp, parsePgArray, parseShapeBody, shapeParser } from './values';

const SCHEMA = {
	id: { type: 'uuid', pk_index: 0, not_null: true },
	number: { type: 'int8', not_null: true },
	big: { type: 'int8' },
	subject: { type: 'text', not_null: true },
	reopen_count: { type: 'int4', not_null: true },
	rating: { type: 'int2' },
	score: { type: 'float8' },
	paused: { type: 'bool', not_null: true },
	custom_fields: { type: 'jsonb', not_null: true },
	meta: { type: 'json' },
	tags: { type: 'text', dims: 1 },
	grid: { type: 'int4', dims: 2 },
	flags: { type: 'bool', dims: 1 },
	stamps: { type: 'timestamptz', dims: 1 },
	cost: { type: 'numeric', precision: 10, scale: 2 },
	due_on: { type: 'date' },
	created_at: { type: 'timestamptz', not_null: true },
	local_at: { type: 'timestamp' },
	closed_at: { type: 'timestamptz' },
	status: { type: 'ticket_status' }
};

const ROWS: Record<string, string | null>[] = [
	{
		id: '0190b000-0000-7000-8000-000000000001',
		number: '1001',
		big: '9223372036854775807',
		subject: 'Printer "jam" \\ on floor 2 / ünïcødé',
		reopen_count: '3',
		rating: null,
		score: '4.5',
		paused: 'false',
		custom_fields: '{"a": [1, 2], "b": {"c": null}}',
		meta: null,
		tags: '{printer,"two words","quote \\" and \\\\ slash",NULL,"NULL",""}',
		grid: '{{1,2},{3,4}}',
		flags: '{t,f,true}',
		stamps: '{"2026-03-01 09:30:00.5+00","2026-03-01 09:30:00+02"}',
		cost: '12.50',
		due_on: '2026-03-01',
		created_at: '2026-03-01 09:30:00.123456+00',
		local_at: '2026-03-01 09:30:00',
		closed_at: '2026-03-01 09:30:00+00',
		status: 'open'
	},
	{
		id: '0190b000-0000-7000-8000-000000000002',
		number: '7',
		big: null,
		subject: '',
		reopen_count: '0',
		rating: '5',
		score: '-0.25',
		paused: 't',
		custom_fields: '{}',
		meta: '[1,"x"]',
		tags: '{}',
		grid: '{}',
		flags: null,
		stamps: '{}',
		cost: null,
		due_on: null,
		created_at: '2026-03-01 23:59:59.1+00',
		local_at: null,
		closed_at: '2026-03-01 09:30:00.123+05:30',
		status: null
	}
];

function body(): string {
	const msgs: unknown[] = ROWS.map((value) => ({ key: `"public"."tickets"/"${value.id}"`, value, headers: { operation: 'insert', relation: ['public', 'tickets'] } }));
	msgs.push({ key: `"public"."tickets"/"${ROWS[0].id}"`, value: { id: ROWS[0].id, reopen_count: '4', tags: '{a}' }, old_value: { reopen_count: '3', tags: '{printer}' }, headers: { operation: 'update', relation: ['public', 'tickets'], txids: [77], lsn: '5', op_position: 1, last: true } });
	msgs.push({ headers: { control: 'snapshot-end', xmin: '10', xmax: '12', xip_list: ['11'] } });
	msgs.push({ headers: { control: 'up-to-date', global_last_seen_lsn: '5' } });
	return JSON.stringify(msgs);
}

/** What the real ShapeStream delivers to a subscriber for this body. */
async function viaShapeStream(text: string): Promise<Message<Row>[]> {
	const ac = new AbortController();
	const stream = new ShapeStream<Row>({
		url: 'http://peer.invalid/shape',
		params: { shape: 'tickets' },
		parser: shapeParser,
		signal: ac.signal,
		fetchClient: async () =>
			new Response(text, {
				status: 200,
				headers: { 'content-type': 'application/json', 'electric-handle': 'h1', 'electric-offset': '1_0', 'electric-schema': JSON.stringify(SCHEMA), 'electric-up-to-date': '' }
			})
	});
	try {
		return await new Promise((resolve, reject) => stream.subscribe((m) => resolve(m), reject));
	} finally {
		ac.abort();
	}
}

describe('fast body parser', () => {
	it('gives the same messages as the ShapeStream with shapeParser', async () => {
		const text = body();
		const expected = await viaShapeStream(text);
		const mine = parseShapeBody(text, JSON.stringify(SCHEMA))!;
		expect(mine.changes).toEqual(expected.filter((m) => isChangeMessage(m)));
		expect(mine.others).toEqual(expected.filter((m) => !isChangeMessage(m)));
		// Spot checks of the conversions themselves.
		const v = mine.changes[0].value as Record<string, unknown>;
		expect(v.number).toBe(1001);
		expect(v.big).toBe('9223372036854775807');
		expect(v.tags).toEqual(['printer', 'two words', 'quote " and \\ slash', null, 'NULL', '']);
		expect(v.grid).toEqual([
			[1, 2],
			[3, 4]
		]);
		expect(v.flags).toEqual([true, false, true]);
		expect(v.stamps).toEqual(['2026-03-01T09:30:00.500000Z', '2026-03-01T07:30:00.000000Z']);
		expect(v.created_at).toBe('2026-03-01T09:30:00.123456Z');
		expect(v.closed_at).toBe('2026-03-01T09:30:00.000000Z');
		expect((mine.changes[1].value as Record<string, unknown>).closed_at).toBe('2026-03-01T04:00:00.123000Z');
	});

	it('returns null for a body that is not an array', () => {
		expect(parseShapeBody('{"error":1}', '{}')).toBeNull();
		expect(parseShapeBody('', '{}')).toEqual({ changes: [], others: [] });
	});

	it('timestamps: the fast path agrees with the general one', () => {
		const general = (s: string) => normalizeTimestamp(` ${s}`); // a leading space skips the fast path
		for (const s of ['2026-03-01 09:30:00+00', '2026-03-01 09:30:00.1+00', '2026-03-01 09:30:00.123456+00', '1999-12-31 23:59:59.000001+00']) {
			expect(normalizeTimestamp(s)).toBe(general(s));
		}
		expect(normalizeTimestamp('infinity')).toBe('infinity');
	});

	it('arrays: nested, quoted, escaped, NULL', () => {
		expect(parsePgArray('{}')).toEqual([]);
		expect(parsePgArray('{{a,b},{"c,d",NULL}}')).toEqual([
			['a', 'b'],
			['c,d', null]
		]);
		expect(parsePgArray('{"a\\\\b","x\\"y"}')).toEqual(['a\\b', 'x"y']);
		expect(parsePgArray('{1,2,3}', Number)).toEqual([1, 2, 3]);
	});
});
