// Named (prepared) statements for the hot queries, built with Kysely as usual. A query run through
// executePrepared() registers its SQL text; on PostgreSQL the pool's connections (PreparingClient)
// send a registered text as a named statement, which each connection parses, analyses and plans
// once and from then on only binds and executes. For the one-statement ticket create (a 5-CTE
// insert with ~130 parameters) that is ~0.4 ms of PostgreSQL CPU less per create
// (tests/bench/ticket-create.mjs). PGlite's pool does not use this client: there the query runs as
// an ordinary one.
//
// Only statements whose text is bounded (a few shapes) should go through here: every registered
// text is a prepared statement on every connection that ran it. The registry is capped all the
// same (beyond PREPARED_MAX texts, queries run unnamed). A prepared plan is re-planned by
// PostgreSQL after DDL on the tables it reads; statements that return `*` of a table could fail
// with "cached plan must not change result type" after a column change, so name the columns.
import pg from 'pg';
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';

const PREPARED_MAX = 100;
const names = new Map<string, string>();

/** The statement name for this SQL text, registering it (undefined once the registry is full). */
export function preparedName(text: string): string | undefined {
  let name = names.get(text);
  if (!name && names.size < PREPARED_MAX) {
    name = `outpost_p${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}

/** Runs a Kysely query as a named prepared statement (PostgreSQL; an ordinary query on PGlite). */
export function executePrepared<R>(db: Kysely<any>, query: Compilable<R>): Promise<QueryResult<R>> {
  const compiled = query.compile();
  preparedName(compiled.sql);
  return db.executeQuery(compiled);
}

/** A pg client that sends registered statement texts as named statements. */
export class PreparingClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const plain = this.query.bind(this) as (...args: unknown[]) => unknown;
    (this as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const [text, values] = args;
      const name = typeof text === 'string' && (values === undefined || Array.isArray(values)) ? names.get(text) : undefined;
      return name ? plain({ name, text, values }, ...args.slice(2)) : plain(...args);
    };
  }
}

/** A query's inputs: named rows or lists of rows whose values it only passes through as parameters. */
export type ShapeParts = Record<string, Record<string, unknown> | readonly Record<string, unknown>[]>;

const SLOT = '\u0000outpost-slot:';
const SHAPES_MAX = 64;
interface Shape {
  compiled: CompiledQuery<unknown>;
  /** Parameter i is leaf slots[i] of the inputs. */
  slots: number[];
}
/** Per query name: shape key → compiled query with its parameter map, or null when not cacheable. */
const shapes = new Map<string, Map<string, Shape | null>>();
let runs = 0;

/** A value Kysely sends as one parameter as it is (not an expression, a builder or a nested object). */
const isPlainValue = (v: unknown) => v === null || typeof v !== 'object' || v instanceof Date || Array.isArray(v) || Buffer.isBuffer(v);

/**
 * The shape of `parts` (names, list lengths, each row's defined keys in order: what decides the
 * SQL text Kysely writes for `values(rows)`) and its leaf values in the same order; null when a
 * value is not a plain one (an expression would be part of the SQL text).
 */
function shapeOf(parts: ShapeParts): { key: string; values: unknown[] } | null {
  let key = '';
  const values: unknown[] = [];
  const row = (r: Record<string, unknown>) => {
    for (const k in r) {
      const v = r[k];
      if (v === undefined) continue;
      if (typeof v === 'function' || !isPlainValue(v)) return false;
      key += k + ',';
      values.push(v);
    }
    key += ';';
    return true;
  };
  for (const name in parts) {
    const p = parts[name];
    if (Array.isArray(p)) {
      key += `${name}[${p.length}]:`;
      for (const r of p) if (!row(r)) return null;
    } else {
      key += `${name}:`;
      if (!row(p as Record<string, unknown>)) return null;
    }
  }
  return { key, values };
}

/**
 * Runs `build(parts)` as a named prepared statement (executePrepared) without building and
 * compiling it again for every call: the first call of each shape of `parts` builds the query
 * from placeholders standing for every value, compiles it once and records which value each
 * parameter is; later calls of that shape bind the new values to the same SQL text (the same
 * string object, whose hash the statement registry and the pool's client then do not recompute).
 * For the ticket create's 5-CTE insert with ~130 parameters, building and compiling was about a
 * tenth of the server's CPU per create (tests/bench/ticket-create.mjs).
 *
 * `build` may read `parts` only as values to pass (`values(rows)`, `${x}` in sql``): its SQL text
 * may depend on the shape (list lengths, which keys are defined), never on a value — normalise
 * values (`x ?? null`, String(x)) before calling. A shape whose parameters are not exactly the
 * placeholders (a value built into the text) is not cached: it is built for every call, as are
 * inputs holding expressions. `name` separates queries (and variants of one) in the cache.
 */
export function executeShaped<R>(db: Kysely<any>, name: string, parts: ShapeParts, build: (parts: ShapeParts) => Compilable<R>): Promise<QueryResult<R>> {
  const s = shapeOf(parts);
  if (!s) return executePrepared(db, build(parts));
  let byKey = shapes.get(name);
  if (!byKey) shapes.set(name, (byKey = new Map()));
  let shape = byKey.get(s.key);
  if (shape === undefined) {
    if (byKey.size >= SHAPES_MAX) return executePrepared(db, build(parts));
    shape = compileShape(parts, build);
    byKey.set(s.key, shape);
  }
  if (!shape) return executePrepared(db, build(parts));
  const parameters = shape.slots.map((i) => s.values[i]);
  return db.executeQuery<R>({ ...(shape.compiled as CompiledQuery<R>), parameters, queryId: { queryId: `outpost_shaped_${++runs}` } as CompiledQuery['queryId'] });
}

function compileShape<R>(parts: ShapeParts, build: (parts: ShapeParts) => Compilable<R>): Shape | null {
  let n = 0;
  const slot = (r: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const k in r) out[k] = r[k] === undefined ? undefined : `${SLOT}${n++}`;
    return out;
  };
  const placeholders: ShapeParts = {};
  for (const name in parts) {
    const p = parts[name];
    placeholders[name] = Array.isArray(p) ? p.map(slot) : slot(p as Record<string, unknown>);
  }
  const compiled = build(placeholders).compile();
  const slots: number[] = [];
  for (const p of compiled.parameters) {
    // Exactly a placeholder: a value transformed by build (String(x) + '…') is not one.
    const i = typeof p === 'string' && p.startsWith(SLOT) ? Number(p.slice(SLOT.length)) : NaN;
    if (!(i >= 0 && i < n) || p !== `${SLOT}${i}`) return null;
    slots.push(i);
  }
  preparedName(compiled.sql);
  return { compiled: compiled as CompiledQuery<unknown>, slots };
}

/** Shapes compiled and cached per query name (tests). */
export const shapeCacheSize = (name: string) => [...(shapes.get(name)?.values() ?? [])].filter(Boolean).length;
