// Table introspection for the `electric-schema` header, the JS predicates (column types) and
// shape invalidation (a table whose columns changed answers 409 to its old handles).
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Schema, ColumnInfo } from '../protocol/electric';
import type { ColumnTypes } from '../protocol/filter';

export interface TableSchema {
  table: string;
  columns: Record<string, ColumnInfo>;
  types: ColumnTypes;
  pk: string[];
  hash: string;
}

interface AttrRow {
  name: string;
  type: string;
  dims: number;
  not_null: boolean;
  typmod: number;
  pk_pos: number | null;
}

export async function loadTableSchema(db: Kysely<any>, table: string): Promise<TableSchema> {
  const r = await sql<AttrRow>`
    select a.attname as name,
           case when t.typcategory = 'A' then et.typname else t.typname end as type,
           case when t.typcategory = 'A' then greatest(a.attndims, 1) else 0 end as dims,
           a.attnotnull as not_null,
           a.atttypmod as typmod,
           (select array_position(i.indkey::int2[], a.attnum) from pg_index i where i.indrelid = a.attrelid and i.indisprimary) as pk_pos
      from pg_attribute a
      join pg_type t on t.oid = a.atttypid
      left join pg_type et on et.oid = t.typelem and t.typcategory = 'A'
     where a.attrelid = ${`public.${table}`}::regclass and a.attnum > 0 and not a.attisdropped
     order by a.attnum`.execute(db);
  if (!r.rows.length) throw new Error(`table ${table} not found`);
  const columns: Record<string, ColumnInfo> = {};
  const types: ColumnTypes = {};
  const pk: { name: string; pos: number }[] = [];
  for (const a of r.rows) {
    const info: ColumnInfo = { type: a.type };
    const dims = Number(a.dims);
    if (dims > 0) info.dims = dims;
    if (a.pk_pos !== null && a.pk_pos !== undefined) {
      // indkey is an int2vector: its array is 0-based.
      info.pk_index = Number(a.pk_pos);
      pk.push({ name: a.name, pos: Number(a.pk_pos) });
    }
    // The client applies not_null to array *elements* too, so a NOT NULL text[] holding a NULL
    // element would stop every stream of the shape (ParserNullValueError): arrays never claim it.
    if (a.not_null && dims === 0) info.not_null = true;
    const typmod = Number(a.typmod);
    if (typmod >= 4 && dims === 0) {
      if (a.type === 'numeric') {
        info.precision = ((typmod - 4) >> 16) & 0xffff;
        info.scale = (typmod - 4) & 0xffff;
      } else if (a.type === 'varchar') info.max_length = typmod - 4;
      else if (a.type === 'bpchar') info.length = typmod - 4;
    }
    columns[a.name] = info;
    types[a.name] = { type: a.type, dims: dims || undefined };
  }
  const hash = createHash('sha256')
    .update(JSON.stringify(r.rows.map((a) => [a.name, a.type, Number(a.dims), Number(a.typmod), !!a.not_null])))
    .digest('hex')
    .slice(0, 16);
  return { table, columns, types, pk: pk.sort((a, b) => a.pos - b.pos).map((p) => p.name), hash };
}

/** The `electric-schema` header for the selected columns. */
export function schemaHeader(s: TableSchema, selected: string[]): string {
  const out: Schema = {};
  for (const c of selected) if (s.columns[c]) out[c] = s.columns[c];
  return JSON.stringify(out);
}
