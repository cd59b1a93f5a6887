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
