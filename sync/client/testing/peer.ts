// A protocol peer for client unit tests: a real node:http server speaking the documented wire
// formats — the Electric Shape API as `@electric-sql/client` 1.5 expects it
// (docs/electric-shape-api.md §2.1: snapshot + snapshot-end, offsets, handles, 409 must-refetch,
// long-poll with a changing cursor, replica=default partial updates, txids) and the mutation
// envelope of POST /api/sync/mutations. It is scripted per test; it is not the product's server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type PeerValue = string | number | boolean | null | PeerValue[] | { [k: string]: unknown };
export type PeerRow = Record<string, PeerValue> & { id: string };

type Column = { type: string; dims?: number; not_null?: boolean; pk_index?: number };

interface LogEntry {
	seq: number;
	msg: Record<string, unknown>;
}

interface PeerShape {
	name: string;
	handle: string;
	schema: Record<string, Column>;
	rows: Map<string, PeerRow>;
	log: LogEntry[];
	/** log seq at the time of the current handle's snapshot */
	base: number;
	/** The snapshot being served in chunks (offsets `0_1`, `0_2`, …). */
	snap?: { rows: PeerRow[]; head: number };
}

export interface RequestRecord {
	method: string;
	path: string;
	query: Record<string, string>;
	headers: http.IncomingHttpHeaders;
	body?: unknown;
	status?: number;
}

export interface MutationCallIn {
	id: string;
	name: string;
	args: any;
	clientTime: string;
}
export type MutationHandler = (m: MutationCallIn, ctx: { clientId: string; peer: ProtocolPeer }) => { status: 'applied'; txid?: number; result?: unknown } | { status: 'rejected'; error: Record<string, unknown> };

/** Postgres text encoding of a JS value for a column type (what Electric puts on the wire). */
function encode(v: PeerValue | undefined, col: Column | undefined): string | null {
	if (v === null || v === undefined) return null;
	if (col?.dims) {
		const items = (v as PeerValue[]).map((x) => (x === null ? 'NULL' : typeof x === 'string' ? `"${x.replace(/(["\\])/g, '\\$1')}"` : String(x)));
		return `{${items.join(',')}}`;
	}
	if (col?.type === 'json' || col?.type === 'jsonb') return JSON.stringify(v);
	if (typeof v === 'boolean') return v ? 'true' : 'false';
	return String(v);
}

export class ProtocolPeer {
	readonly server: http.Server;
	url = '';
	readonly requests: RequestRecord[] = [];
	readonly shapes = new Map<string, PeerShape>();
	/** (clientId, mutation id) → stored outcome: exactly once. */
	readonly outcomes = new Map<string, Record<string, unknown>>();
	/** How many times each mutation id was actually executed. */
	readonly executions = new Map<string, number>();
	mutationHandler: MutationHandler = () => ({ status: 'applied', txid: this.nextTxid() });
	/**
	 * Scripted answers for the next mutation requests: a status code, 'drop' (destroy the socket
	 * before running anything) or 'lost' (run the mutations, then destroy the socket: the client
	 * never sees the response).
	 */
	mutationFaults: Array<number | 'drop' | 'lost' | { status: number; body?: unknown; headers?: Record<string, string> }> = [];
	/** Scripted answers for the next shape requests, by shape name. */
	shapeFaults = new Map<string, Array<number | 'drop'>>();
	/** Require this bearer token (401 otherwise) when set. */
	token: string | null = null;
	liveTimeoutMs = 300;
	/** Log entries per response at most (real Electric chunks at ~10 MB); up-to-date only on the last chunk. */
	chunkSize = Infinity;
	#seq = 0;
	#txid = 1000;
	#cursor = 1;
	#waiters = new Set<() => void>();
	#handleCounter = 0;
	#lsn = 100;

	constructor() {
		this.server = http.createServer((req, res) => void this.#handle(req, res));
	}

	async listen(): Promise<this> {
		await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
		return this;
	}

	async close(): Promise<void> {
		for (const w of this.#waiters) w();
		this.server.closeAllConnections();
		await new Promise<void>((r) => this.server.close(() => r()));
	}

	nextTxid(): number {
		return ++this.#txid;
	}

	#newHandle(name: string) {
		return `${name}-${++this.#handleCounter}-${Date.now()}`;
	}

	defineShape(name: string, schema: Record<string, Column>, rows: PeerRow[] = []): PeerShape {
		const s: PeerShape = { name, handle: this.#newHandle(name), schema, rows: new Map(rows.map((r) => [r.id, r])), log: [], base: this.#seq };
		this.shapes.set(name, s);
		return s;
	}

	#shape(name: string) {
		const s = this.shapes.get(name);
		if (!s) throw new Error(`no shape ${name}`);
		return s;
	}

	#wake() {
		for (const w of [...this.#waiters]) w();
	}

	#valueOf(s: PeerShape, row: Record<string, PeerValue | undefined>) {
		const out: Record<string, string | null> = {};
		for (const [k, v] of Object.entries(row)) if (v !== undefined) out[k] = encode(v, s.schema[k]);
		return out;
	}

	#key(s: PeerShape, id: string) {
		return `"public"."${s.name}"/"${id}"`;
	}

	/** Appends a change to a shape's log (replica=default: updates carry id + changed columns). */
	change(name: string, op: 'insert' | 'update' | 'delete', row: Partial<PeerRow> & { id: string }, opts: { txid?: number } = {}): void {
		const s = this.#shape(name);
		const txid = opts.txid ?? this.nextTxid();
		let value: Record<string, PeerValue | undefined>;
		if (op === 'insert') {
			s.rows.set(row.id, row as PeerRow);
			value = row;
		} else if (op === 'update') {
			const prev = s.rows.get(row.id) ?? ({ id: row.id } as PeerRow);
			s.rows.set(row.id, { ...prev, ...row } as PeerRow);
			value = row; // only the id and the changed columns
		} else {
			s.rows.delete(row.id);
			value = { id: row.id };
		}
		s.log.push({
			seq: ++this.#seq,
			msg: { key: this.#key(s, row.id), value: this.#valueOf(s, value), headers: { operation: op, relation: ['public', name], txids: [txid], lsn: String(++this.#lsn), op_position: 0, last: true } }
		});
		this.#wake();
	}

	/** The server invalidates the shape: a new handle, requests with the old one get 409. */
	rotate(name: string): void {
		const s = this.#shape(name);
		s.handle = this.#newHandle(name);
		s.log = [];
		s.base = this.#seq;
		this.#wake();
	}

	/** Rows as the server has them (decoded JS values), for comparison with Dexie. */
	rows(name: string): PeerRow[] {
		return [...this.#shape(name).rows.values()];
	}

	#json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
		res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
		res.end(JSON.stringify(body));
	}

	async #handle(req: http.IncomingMessage, res: http.ServerResponse) {
		const u = new URL(req.url ?? '/', 'http://x');
		const rec: RequestRecord = { method: req.method ?? 'GET', path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers };
		this.requests.push(rec);
		try {
			if (this.token && req.headers.authorization !== `Bearer ${this.token}`) {
				rec.status = 401;
				// drain the body
				for await (const _ of req);
				return this.#json(res, 401, { error: { code: 'unauthenticated', message: 'Sign in again.' } });
			}
			if (u.pathname === '/api/sync/shape' && req.method === 'GET') return await this.#shapeRequest(u, res, rec);
			if (u.pathname === '/api/sync/mutations' && req.method === 'POST') return await this.#mutations(req, res, rec);
			rec.status = 404;
			this.#json(res, 404, { error: { code: 'not_found' } });
		} catch (e) {
			rec.status = 500;
			if (!res.headersSent) this.#json(res, 500, { error: String(e) });
		}
	}

	async #shapeRequest(u: URL, res: http.ServerResponse, rec: RequestRecord) {
		const q = u.searchParams;
		const name = q.get('shape') ?? '';
		const fault = this.shapeFaults.get(name)?.shift();
		if (fault === 'drop') {
			rec.status = 0;
			res.socket?.destroy();
			return;
		}
		if (typeof fault === 'number') {
			rec.status = fault;
			return this.#json(res, fault, fault === 400 ? { message: 'Invalid request', errors: { offset: ['out of bounds for this shape'] } } : { error: 'scripted' }, fault >= 500 ? { 'retry-after': '0' } : {});
		}
		const s = this.shapes.get(name);
		if (!s) {
			rec.status = 403;
			return this.#json(res, 403, { error: { code: 'forbidden', message: `shape ${name} is not available` } });
		}
		const offset = q.get('offset') ?? '-1';
		const live = q.get('live') === 'true';
		const schemaHeader = { 'electric-schema': JSON.stringify(s.schema) };
		const snapChunk = /^0_([1-9]\d*)$/.exec(offset);
		if (offset === '-1' || (snapChunk && q.get('handle') === s.handle && s.snap)) {
			// snapshot of the current rows, at the current end of the log, served in chunks
			if (offset === '-1') s.snap = { rows: [...s.rows.values()], head: s.log.length ? s.log[s.log.length - 1].seq : s.base };
			const snap = s.snap!;
			const k = snapChunk ? Number(snapChunk[1]) : 0;
			const size = Number.isFinite(this.chunkSize) ? this.chunkSize : snap.rows.length;
			const part = snap.rows.slice(k * size, (k + 1) * size);
			const last = (k + 1) * size >= snap.rows.length;
			const body: unknown[] = part.map((r) => ({ key: this.#key(s, r.id), value: this.#valueOf(s, r), headers: { operation: 'insert', relation: ['public', name] } }));
			if (last) body.push({ headers: { control: 'snapshot-end', xmin: String(this.#txid + 1), xmax: String(this.#txid + 1), xip_list: [] } });
			rec.status = 200;
			// like real Electric: no up-to-date in snapshot responses; the next request gets it
			return this.#json(res, 200, body, { 'electric-handle': s.handle, 'electric-offset': last ? `${snap.head}_0` : `0_${k + 1}`, ...schemaHeader });
		}
		const handle = q.get('handle');
		if (handle !== s.handle) {
			rec.status = 409;
			return this.#json(res, 409, [{ headers: { control: 'must-refetch' } }], { 'electric-handle': s.handle });
		}
		const after = Number(offset.split('_')[0]);
		let entries = s.log.filter((e) => e.seq > after);
		if (!entries.length && live) {
			await new Promise<void>((resolve) => {
				const done = () => {
					clearTimeout(t);
					this.#waiters.delete(done);
					resolve();
				};
				const t = setTimeout(done, this.liveTimeoutMs);
				this.#waiters.add(done);
				res.on('close', done);
			});
			if (handle !== s.handle) {
				rec.status = 409;
				return this.#json(res, 409, [{ headers: { control: 'must-refetch' } }], { 'electric-handle': s.handle });
			}
			entries = s.log.filter((e) => e.seq > after);
		}
		const complete = entries.length <= this.chunkSize;
		if (!complete) entries = entries.slice(0, this.chunkSize);
		const last = entries.length ? entries[entries.length - 1].seq : after;
		const body: unknown[] = entries.map((e) => e.msg);
		const headers: Record<string, string> = { 'electric-handle': s.handle, 'electric-offset': `${last}_0` };
		if (complete) {
			body.push({ headers: { control: 'up-to-date', global_last_seen_lsn: String(this.#lsn) } });
			headers['electric-up-to-date'] = '';
		}
		if (live) headers['electric-cursor'] = String(++this.#cursor);
		else Object.assign(headers, schemaHeader);
		rec.status = 200;
		this.#json(res, 200, body, headers);
	}

	async #mutations(req: http.IncomingMessage, res: http.ServerResponse, rec: RequestRecord) {
		let raw = '';
		for await (const chunk of req) raw += chunk;
		const body = JSON.parse(raw) as { clientId: string; mutations: MutationCallIn[] };
		rec.body = body;
		const fault = this.mutationFaults.shift();
		if (fault === 'drop') {
			rec.status = 0;
			res.socket?.destroy();
			return;
		}
		if (typeof fault === 'number') {
			rec.status = fault;
			return this.#json(res, fault, { error: { code: `http_${fault}`, message: 'scripted' } });
		}
		if (fault && typeof fault === 'object') {
			rec.status = fault.status;
			return this.#json(res, fault.status, fault.body ?? {}, fault.headers);
		}
		const results = body.mutations.map((m) => {
			const k = `${body.clientId}/${m.id}`;
			const stored = this.outcomes.get(k);
			if (stored) return { ...stored, replayed: true };
			this.executions.set(m.id, (this.executions.get(m.id) ?? 0) + 1);
			const r = this.mutationHandler(m, { clientId: body.clientId, peer: this });
			const outcome = { id: m.id, ...r };
			this.outcomes.set(k, outcome);
			return outcome;
		});
		if (fault === 'lost') {
			rec.status = 0;
			res.socket?.destroy();
			return;
		}
		rec.status = 200;
		this.#json(res, 200, { results });
	}
}

export async function startPeer(): Promise<ProtocolPeer> {
	return new ProtocolPeer().listen();
}

export const TICKET_SCHEMA: Record<string, Column> = {
	id: { type: 'uuid', pk_index: 0, not_null: true },
	number: { type: 'int8', not_null: true },
	subject: { type: 'text', not_null: true },
	status: { type: 'text', not_null: true },
	priority: { type: 'text', not_null: true },
	assignee_id: { type: 'uuid' },
	tags: { type: 'text', dims: 1, not_null: true },
	sla_paused: { type: 'bool', not_null: true },
	reopen_count: { type: 'int4', not_null: true },
	custom_fields: { type: 'jsonb', not_null: true },
	updated_at: { type: 'timestamptz', not_null: true }
};

export function ticket(i: number, extra: Partial<PeerRow> = {}): PeerRow {
	const hex = i.toString(16).padStart(12, '0');
	return {
		id: `0190a000-0000-7000-8000-${hex}`,
		number: 1000 + i,
		subject: `Ticket ${i}`,
		status: 'new',
		priority: 'medium',
		assignee_id: null,
		tags: ['printer'],
		sla_paused: false,
		reopen_count: 0,
		custom_fields: { floor: 2 },
		updated_at: '2026-03-01 09:30:00.5+00',
		...extra
	} as PeerRow;
}
