// executeShaped: a query compiled once per shape of its inputs must send exactly what building and
// compiling it for every call would send (text and parameters), for every shape and value.
import { describe, expect, it } from 'vitest';
import { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql, type CompiledQuery, type DatabaseConnection, type Driver } from 'kysely';
import { executeShaped, shapeCacheSize, type ShapeParts } from './prepared';

/** A Kysely whose driver records the compiled queries it is asked to run (no database). */
function recordingDb() {
  const sent: CompiledQuery[] = [];
  const conn: DatabaseConnection = {
    async executeQuery(q) {
      sent.push(q);
      return { rows: [] };
    },
    async *streamQuery() {
      /* not used */
    }
  };
  const driver: Driver = {
    async init() {},
    async acquireConnection() {
      return conn;
    },
    async beginTransaction() {},
    async commitTransaction() {},
    async rollbackTransaction() {},
    async releaseConnection() {},
    async destroy() {}
  };
  const db = new Kysely<any>({
    dialect: { createAdapter: () => new PostgresAdapter(), createDriver: () => driver, createIntrospector: (d) => new PostgresIntrospector(d), createQueryCompiler: () => new PostgresQueryCompiler() }
  });
  return { db, sent };
}

type Row = Record<string, unknown>;
const build = (db: Kysely<any>) => (p: ShapeParts) => {
  const rows = p.rows as Row[];
  const head = p.head as Row;
  let q = db.with('a', (c) => c.insertInto('t').values(head).returning('id'));
  if (rows.length) q = q.with('b', (c) => c.insertInto('u').values(rows).returning(sql<number>`1`.as('one'))) as typeof q;
  return q.selectFrom('a').select(sql<string>`${head.note ?? null}::text`.as('note'));
};

describe('executeShaped', () => {
  it('sends what a fresh build would, for new values and new shapes, and compiles each shape once', async () => {
    const { db, sent } = recordingDb();
    const b = build(db);
    const name = 'test.shapes';
    const at = new Date('2026-11-26T10:00:00Z');
    const calls: ShapeParts[] = [
      { head: { id: 'a1', tags: ['x', 'y'], at, note: 'n1' }, rows: [{ k: 1, v: null }] },
      // same shape, other values (an array of another length, null where a string was)
      { head: { id: 'a2', tags: ['z'], at: new Date(0), note: null }, rows: [{ k: 2, v: 'w' }] },
      // other shapes: a key left undefined, more rows, rows with different keys (DEFAULT), no rows
      { head: { id: 'a3', tags: undefined, at, note: 'n3' }, rows: [{ k: 3, v: 1 }] },
      { head: { id: 'a4', tags: [], at, note: 'n4' }, rows: [{ k: 4, v: 1 }, { k: 5, v: 2 }] },
      { head: { id: 'a5', tags: [], at, note: 'n5' }, rows: [{ k: 6 }, { k: 7, v: 3 }] },
      { head: { id: 'a6', tags: [], at, note: 'n6' }, rows: [] }
    ];
    for (const parts of calls) {
      await executeShaped(db, name, parts, b);
      const expected = b(parts).compile();
      const got = sent[sent.length - 1];
      expect(got.sql).toBe(expected.sql);
      expect(got.parameters).toEqual(expected.parameters);
    }
    expect(shapeCacheSize(name)).toBe(5);
    // The same shape reuses the very same SQL string (its hash is not recomputed downstream).
    expect(sent[1].sql).toBe(sent[0].sql);
    await executeShaped(db, name, calls[0], b);
    expect(Object.is(sent[sent.length - 1].sql, sent[0].sql)).toBe(true);
    expect(shapeCacheSize(name)).toBe(5);
  });

  it('builds every call afresh when the text depends on a value, or a value is an expression', async () => {
    const { db, sent } = recordingDb();
    // A value decides the text: the parameters are not all placeholders, so the shape is not cached.
    const byValue = (p: ShapeParts) => {
      const h = p.head as Row;
      return db.selectFrom('t').select('id').where('id', '=', String(h.id) + '-x');
    };
    for (const id of ['a', 'b']) {
      await executeShaped(db, 'test.by-value', { head: { id } }, byValue);
      expect(sent[sent.length - 1].parameters).toEqual([`${id}-x`]);
    }
    expect(shapeCacheSize('test.by-value')).toBe(0);
    // An expression value is part of the text: built afresh, not cached.
    const b = build(db);
    const parts = { head: { id: sql`gen_random_uuid()`, note: 'e' }, rows: [] };
    await executeShaped(db, 'test.expr', parts, b);
    expect(sent[sent.length - 1].sql).toBe(b(parts).compile().sql);
    expect(sent[sent.length - 1].sql).toContain('gen_random_uuid()');
    expect(shapeCacheSize('test.expr')).toBe(0);
  });
});
