// Forward-only migrations: migrations/NNNN_name.sql, applied in order, each in its own
// transaction, recorded with a checksum. An applied file that changed is refused: write a new one.
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const files = import.meta.glob("/migrations/*.sql", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

export function bundledMigrations(): Migration[] {
  return Object.entries(files)
    .map(([file, text]) => {
      const base = file.split('/').pop()!;
      const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(base);
      if (!m) throw new Error(`migration file name must be NNNN_name.sql: ${base}`);
      return { version: Number(m[1]), name: m[2], sql: text };
    })
    .sort((a, b) => a.version - b.version);
}

const checksum = (text: string) => createHash('sha256').update(text).digest('hex');

export interface MigrateResult {
  applied: string[];
  current: number;
}

export async function migrate(db: Kysely<DB>, migrations = bundledMigrations()): Promise<MigrateResult> {
  for (let i = 0; i < migrations.length; i++) {
    if (migrations[i].version !== i + 1) throw new Error(`migration ${i + 1} is missing (found ${migrations[i].version})`);
  }
  await sql`create table if not exists schema_migrations (
    version integer primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`.execute(db);

  const applied: string[] = [];
  for (const m of migrations) {
    const done = await db.transaction().execute(async (trx) => {
      // Two instances starting together: the second waits here, then sees the row and skips.
      await sql`select pg_advisory_xact_lock(7201001)`.execute(trx);
      const row = await sql<{ checksum: string }>`select checksum from schema_migrations where version = ${m.version}`.execute(trx);
      if (row.rows[0]) {
        if (row.rows[0].checksum !== checksum(m.sql)) {
          throw new Error(`migration ${m.version}_${m.name} was edited after it was applied; add a new migration instead`);
        }
        return false;
      }
      await sql.raw(m.sql).execute(trx);
      await sql`insert into schema_migrations (version, name, checksum) values (${m.version}, ${m.name}, ${checksum(m.sql)})`.execute(trx);
      return true;
    });
    if (done) applied.push(`${String(m.version).padStart(4, '0')}_${m.name}`);
  }
  return { applied, current: migrations.at(-1)?.version ?? 0 };
}
