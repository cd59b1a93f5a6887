// Which databases the integration tests run against: the embedded PGlite always, and the
// PostgreSQL server in TEST_DATABASE_URL when it is reachable and has pgvector. With
// OUTPOST_REQUIRE_SERVICES=1 (CI) a missing service fails the run instead of being skipped.
import pg from 'pg';

export type Backend = 'pglite' | 'postgres';

export const requireServices = process.env.OUTPOST_REQUIRE_SERVICES === '1';

export async function probePostgres(url = process.env.TEST_DATABASE_URL): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (!url) return { ok: false, reason: 'TEST_DATABASE_URL is not set' };
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const r = await client.query(`select count(*)::int as n from pg_available_extensions where name = 'vector'`);
    if (r.rows[0].n !== 1) return { ok: false, reason: `pgvector is not installed on the PostgreSQL server at ${new URL(url).host} (see README: "pgvector for PostgreSQL 15")` };
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `PostgreSQL at ${url.replace(/\/\/[^@]*@/, '//')} is unreachable: ${(e as Error).message}` };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates a fresh database next to TEST_DATABASE_URL's and returns its URL and a dropper. */
export async function freshPostgresDatabase(prefix = 'outpost_t'): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL!;
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    }
  };
}

/** Drops a test database made by freshPostgresDatabase, given its URL (names start with outpost_). */
export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^outpost_[a-z0-9_]+$/.test(name)) throw new Error(`refusing to drop ${name}: not a test database`);
  const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await c.connect();
  try {
    await c.query(`drop database if exists ${name} with (force)`);
  } finally {
    await c.end();
  }
}
