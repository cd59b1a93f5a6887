// Shape filters: a small expression tree that compiles to parameterised SQL (snapshots, the
// Electric proxy's `where` + `params[n]`) and to a JS predicate over rows in Postgres text
// encoding (change-log entries, evaluated on the old and the new row). The grammar stays inside
// what Electric optimises (`col = $1`, `col IN (…)`, `col IS NULL`, comparisons, AND/OR), so one
// definition serves the embedded engine and the real Electric behind the same gatekeeper.

/** A literal compared with a column. Dates are timestamps (timestamptz / date columns). */
export type FilterValue = string | number | boolean | Date;

export type Comparison = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte';

export type Filter =
  | { op: Comparison; column: string; value: FilterValue }
  | { op: 'in'; column: string; values: FilterValue[] }
  | { op: 'isNull'; column: string }
  | { op: 'notNull'; column: string }
  | { op: 'and'; args: Filter[] }
  | { op: 'or'; args: Filter[] };

// ─── Builders ────────────────────────────────────────────────────────────────────────────────
export const eq = (column: string, value: FilterValue): Filter => ({ op: 'eq', column, value });
export const ne = (column: string, value: FilterValue): Filter => ({ op: 'ne', column, value });
export const lt = (column: string, value: FilterValue): Filter => ({ op: 'lt', column, value });
export const lte = (column: string, value: FilterValue): Filter => ({ op: 'lte', column, value });
export const gt = (column: string, value: FilterValue): Filter => ({ op: 'gt', column, value });
export const gte = (column: string, value: FilterValue): Filter => ({ op: 'gte', column, value });
export const inList = (column: string, values: FilterValue[]): Filter => ({ op: 'in', column, values });
export const isNull = (column: string): Filter => ({ op: 'isNull', column });
export const notNull = (column: string): Filter => ({ op: 'notNull', column });
export const and = (...args: (Filter | null | undefined)[]): Filter | null => {
  const a = args.filter((x): x is Filter => !!x);
  return a.length === 0 ? null : a.length === 1 ? a[0] : { op: 'and', args: a };
};
export const or = (...args: Filter[]): Filter => (args.length === 1 ? args[0] : { op: 'or', args });

/** Columns a filter reads (they must be captured by the change log). */
export function filterColumns(f: Filter | null, out = new Set<string>()): Set<string> {
  if (!f) return out;
  if (f.op === 'and' || f.op === 'or') for (const a of f.args) filterColumns(a, out);
  else out.add(f.column);
  return out;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
export function quoteIdent(name: string): string {
  if (!IDENT.test(name)) throw new Error(`invalid identifier: ${name}`);
  return `"${name}"`;
}

/** The text a parameter is sent as; PostgreSQL casts it to the column's type. */
export function paramText(v: FilterValue): string {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

const SQL_OP: Record<Comparison, string> = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' };

/**
 * `{ sql: '"requester_id" = $1 AND "internal" = $2', params: ['…', 'false'] }`, placeholders
 * numbered from `firstParam`. The same text is Electric's `where` with `params[n]`.
 */
export function compileSql(f: Filter | null, firstParam = 1): { sql: string; params: string[] } {
  const params: string[] = [];
  const p = (v: FilterValue) => {
    params.push(paramText(v));
    return `$${firstParam + params.length - 1}`;
  };
  const walk = (e: Filter, top: boolean): string => {
    switch (e.op) {
      case 'and':
      case 'or': {
        const inner = e.args.map((a) => walk(a, false)).join(e.op === 'and' ? ' AND ' : ' OR ');
        return top ? inner : `(${inner})`;
      }
      case 'isNull':
        return `${quoteIdent(e.column)} IS NULL`;
      case 'notNull':
        return `${quoteIdent(e.column)} IS NOT NULL`;
      case 'in':
        if (e.values.length === 0) return 'false';
        return `${quoteIdent(e.column)} IN (${e.values.map(p).join(', ')})`;
      default:
        return `${quoteIdent(e.column)} ${SQL_OP[e.op]} ${p(e.value)}`;
    }
  };
  return f ? { sql: walk(f, true), params } : { sql: 'true', params };
}

// ─── JS evaluation over Postgres text values ─────────────────────────────────────────────────
export type Row = Record<string, string | null>;
/** Column → Postgres type name (`typname`; for arrays the element type with dims > 0). */
export type ColumnTypes = Record<string, { type: string; dims?: number }>;

type Cmp = string | number | boolean;
const NUMERIC = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid']);
const TIME = new Set(['timestamptz', 'timestamp', 'date']);

/** Postgres text output of timestamp/date (ISO DateStyle) → epoch ms. */
export function parsePgTime(text: string): number {
  if (text === 'infinity') return Infinity;
  if (text === '-infinity') return -Infinity;
  const m = /^(\d{4,})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d):(\d\d)(\.\d+)?)?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/.exec(text);
  if (!m) return NaN;
  const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  let t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), ms);
  if (m[8]) {
    const off = (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) * 1000;
    t -= m[8] === '+' ? off : -off;
  }
  return t;
}

function fromText(text: string, type: string): Cmp {
  if (type === 'bool') return text === 'true' || text === 't';
  if (NUMERIC.has(type)) return Number(text);
  if (TIME.has(type)) return parsePgTime(text);
  if (type === 'uuid') return text.toLowerCase();
  return text;
}

function fromValue(v: FilterValue, type: string): Cmp {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') return fromText(v, type);
  return v;
}

function compare(a: Cmp, b: Cmp, op: Comparison): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
  }
}

/**
 * A predicate with SQL's outcome for a WHERE clause: a comparison with NULL is not true, so the
 * row is out (the tree has no NOT, so treating "unknown" as false is exact).
 */
export function compilePredicate(f: Filter | null, types: ColumnTypes): (row: Row) => boolean {
  if (!f) return () => true;
  const typeOf = (c: string) => {
    const t = types[c];
    if (!t) throw new Error(`filter column ${c} is not in the table`);
    return t.dims ? 'array' : t.type;
  };
  const build = (e: Filter): ((row: Row) => boolean) => {
    switch (e.op) {
      case 'and': {
        const fs = e.args.map(build);
        return (r) => fs.every((g) => g(r));
      }
      case 'or': {
        const fs = e.args.map(build);
        return (r) => fs.some((g) => g(r));
      }
      case 'isNull':
        typeOf(e.column);
        return (r) => r[e.column] === null || r[e.column] === undefined;
      case 'notNull':
        typeOf(e.column);
        return (r) => r[e.column] !== null && r[e.column] !== undefined;
      case 'in': {
        const t = typeOf(e.column);
        const set = new Set(e.values.map((v) => fromValue(v, t)));
        return (r) => {
          const v = r[e.column];
          return v !== null && v !== undefined && set.has(fromText(v, t));
        };
      }
      default: {
        const t = typeOf(e.column);
        const want = fromValue(e.value, t);
        const op = e.op;
        return (r) => {
          const v = r[e.column];
          return v !== null && v !== undefined && compare(fromText(v, t), want, op);
        };
      }
    }
  };
  return build(f);
}

/** Canonical JSON of a filter (Dates as ISO strings), for shape identities. */
export function filterKey(f: Filter | null): string {
  // The replacer sees Date#toJSON's string; the holder still has the Date.
  return JSON.stringify(f, function (this: Record<string, unknown>, k, v) {
    const raw = this[k];
    return raw instanceof Date ? { $date: raw.toISOString() } : v;
  });
}

/** Inverse of filterKey's Date encoding, for definitions read back from the database. */
export function reviveFilter(json: unknown): Filter | null {
  return JSON.parse(JSON.stringify(json ?? null), (_k, v) => (v && typeof v === 'object' && typeof v.$date === 'string' && Object.keys(v).length === 1 ? new Date(v.$date) : v));
}
