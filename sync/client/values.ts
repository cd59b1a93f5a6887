// How shape values (Postgres text output, see electric-shape-api.md §1.7) become IndexedDB values.
// The ShapeStream applies this parser per column type from `electric-schema`, over its defaults
// (int2/int4/float → number, bool → boolean, json/jsonb → parsed, arrays by `dims`).
//
// Choices, and why:
// - int8 → number when it is a safe integer (ticket numbers, sizes), otherwise the decimal string.
//   Never BigInt: IndexedDB cannot index it and JSON.stringify throws on it.
// - timestamptz / timestamp → a canonical ISO 8601 UTC string with exactly six fractional digits,
//   `2025-03-01T09:30:00.123456Z`. Kept as strings (not Date) so rows are plain structured-clone data,
//   lossless (Postgres has µs; Date only ms), and sortable: equal width means string order is time
//   order, so `updated_at` indexes sort correctly. `new Date(s)` reads them.
//   Any input form is accepted (`2025-03-01 09:30:00.1+00`, `…T…+02:00`, `…Z`), so a server that
//   mixes Postgres text output and JSON output still yields one format.
// - numeric stays a string (money must not become a float); date stays `YYYY-MM-DD`.
import type { ShapeStreamOptions } from '@electric-sql/client';

type Parser = NonNullable<ShapeStreamOptions['parser']>;

export function parseInt8(value: string): number | string {
	const n = Number(value);
	return Number.isSafeInteger(n) ? n : value;
}

const TS = /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}(?::?\d{2})?(?::?\d{2})?)?$/i;

/** Normalises a Postgres or ISO timestamp to `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC). Unknown forms pass through. */
export function normalizeTimestamp(value: string): string {
	if (typeof value !== 'string') return value;
	// Fast path: Postgres text output in UTC, `2025-03-01 09:30:00[.ffffff]+00`.
	const n = value.length;
	if (n >= 22 && n <= 29 && value[10] === ' ' && value[4] === '-' && value[13] === ':' && value[16] === ':' && value.endsWith('+00') && (n === 22 || value[19] === '.')) {
		const frac = n === 22 ? '' : value.slice(20, n - 3);
		if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(value.slice(0, 19)) && /^\d*$/.test(frac)) {
			return `${value.slice(0, 10)}T${value.slice(11, 19)}.${(frac + '000000').slice(0, 6)}Z`;
		}
	}
	const m = TS.exec(value.trim());
	if (!m) return value; // 'infinity', '-infinity', BC dates: left as the server sent them
	const [, y, mo, d, h, mi, s, frac = '', zone] = m;
	const micros = (frac + '000000').slice(0, 6);
	let offsetMinutes = 0;
	if (zone && zone.toUpperCase() !== 'Z') {
		const sign = zone[0] === '-' ? -1 : 1;
		const digits = zone.slice(1).replace(/:/g, '');
		offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0));
		// seconds in a zone offset (historic LMT) are ignored: Postgres only prints them for pre-1900 zones
	}
	if (offsetMinutes === 0) return `${y}-${mo}-${d}T${h}:${mi}:${s}.${micros}Z`;
	const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offsetMinutes * 60_000;
	const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
	return `${iso.slice(0, 19)}.${micros}Z`;
}

/** Column parsers merged over the ShapeStream defaults. */
export const shapeParser: Parser = {
	int8: parseInt8,
	timestamptz: normalizeTimestamp,
	timestamp: normalizeTimestamp
};

/** Extracts the primary key from an Electric message key `"public"."tickets"/"<id>"` (single-column keys). */
export function keyFromMessageKey(key: string): string | undefined {
	const slash = key.lastIndexOf('"/"');
	if (slash < 0) return undefined;
	let tail = key.slice(slash + 3);
	if (tail.endsWith('"')) tail = tail.slice(0, -1);
	return tail.replace(/""/g, '"').replace(/\/\//g, '/');
}

// ─── Fast path for large responses ────────────────────────────────────────────────────────────
// The ShapeStream parses bodies with `JSON.parse(text, reviver)` and, per column of every row, a
// freshly built nullable parser: that costs ~10× a plain JSON.parse and dominated the initial sync
// of big shapes. The replicator therefore parses non-live bodies itself (plain JSON.parse, then
// one pass over the typed columns only, with parsers compiled once per `electric-schema`), and
// hands the stream the control messages alone. The values produced are the same as the stream's:
// its default parsers (int2/int4/float → number, bool, json/jsonb → parsed, arrays by `dims`)
// with `shapeParser` over them; text-like types stay strings and NULL stays null.

type ColumnConverter = (value: string) => unknown;

const parseNumber = (v: string) => Number(v);
const parseBool = (v: string) => v === 'true' || v === 't';
const parseJson = (v: string) => JSON.parse(v);

/** The ShapeStream's defaults with `shapeParser` merged over them (int8 never becomes a BigInt). */
const CONVERTERS: Record<string, ColumnConverter> = {
	int2: parseNumber,
	int4: parseNumber,
	float4: parseNumber,
	float8: parseNumber,
	bool: parseBool,
	json: parseJson,
	jsonb: parseJson,
	...(shapeParser as Record<string, ColumnConverter>)
};

/**
 * A Postgres array literal (`{a,"b c",NULL,{1,2}}`) → nested arrays; elements through `element`,
 * unquoted NULL → null (as the ShapeStream's array parser does).
 */
export function parsePgArray(text: string, element: ColumnConverter = (s) => s): unknown {
	let i = text.indexOf('{');
	if (i < 0) return text;
	const n = text.length;
	const list = (): unknown[] => {
		i++; // '{'
		const out: unknown[] = [];
		if (text[i] === '}') {
			i++;
			return out;
		}
		while (i < n) {
			const c = text[i];
			if (c === '{') out.push(list());
			else if (c === '"') {
				i++;
				let s = '';
				let from = i;
				while (i < n && text[i] !== '"') {
					if (text[i] === '\\') {
						s += text.slice(from, i) + text[i + 1];
						i += 2;
						from = i;
					} else i++;
				}
				s += text.slice(from, i);
				i++; // closing quote
				out.push(element(s));
			} else {
				let j = i;
				while (j < n && text[j] !== ',' && text[j] !== '}') j++;
				const raw = text.slice(i, j);
				i = j;
				out.push(raw === 'NULL' ? null : element(raw));
			}
			if (text[i] === ',') i++;
			else {
				i++; // '}'
				return out;
			}
		}
		return out;
	};
	return list();
}

type SchemaColumns = Record<string, { type?: string; dims?: number } | undefined>;

/** Converts the typed columns of one row in place (columns without a converter stay as sent). */
export type RowConverter = (row: Record<string, unknown>) => void;

const compiled = new Map<string, RowConverter>();

/** The row converter for an `electric-schema` header (cached per header text). */
export function rowConverter(schemaHeader: string): RowConverter {
	let conv = compiled.get(schemaHeader);
	if (conv) return conv;
	const schema = JSON.parse(schemaHeader) as SchemaColumns;
	const cols: string[] = [];
	const fns: ColumnConverter[] = [];
	for (const [col, info] of Object.entries(schema)) {
		if (!info?.type) continue;
		const base = CONVERTERS[info.type];
		if (info.dims && info.dims > 0) {
			const el = base ?? ((s: string) => s);
			cols.push(col);
			fns.push((v) => parsePgArray(v, el));
		} else if (base) {
			cols.push(col);
			fns.push(base);
		}
	}
	const count = cols.length;
	conv = (row) => {
		for (let k = 0; k < count; k++) {
			const v = row[cols[k]];
			if (typeof v === 'string') row[cols[k]] = fns[k](v);
		}
	};
	if (compiled.size > 64) compiled.clear();
	compiled.set(schemaHeader, conv);
	return conv;
}

/** A shape response body split into its change messages (values converted) and the rest, or null if it is not a JSON array. */
export function parseShapeBody(text: string, schemaHeader: string): { changes: Array<Record<string, unknown>>; others: unknown[] } | null {
	const all: unknown = JSON.parse(text || '[]');
	if (!Array.isArray(all)) return null;
	const conv = rowConverter(schemaHeader);
	const changes: Array<Record<string, unknown>> = [];
	const others: unknown[] = [];
	for (const m of all as Array<Record<string, unknown>>) {
		if (m && typeof m === 'object' && 'key' in m) {
			const v = m.value;
			if (v && typeof v === 'object') conv(v as Record<string, unknown>);
			const old = m.old_value;
			if (old && typeof old === 'object') conv(old as Record<string, unknown>);
			changes.push(m);
		} else others.push(m);
	}
	return { changes, others };
}
