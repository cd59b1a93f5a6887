// One Kysely over one PostgresDialect, whatever sits underneath: a PostgreSQL server
// (DATABASE_URL) or the embedded PGlite through its node-postgres adapter.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { DB } from './schema';
import { log } from '../log';
import { PreparingClient } from './prepared';

export type Engine = 'postgres' | 'pglite';

export interface Database {
  db: Kysely<DB>;
  engine: Engine;
  /** Where the embedded database lives (pglite only). */
  dataDir?: string;
  /** The embedded instance (pglite only): its in-process LISTEN wakes the sync tailer. */
  pglite?: import('@electric-sql/pglite').PGlite;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string;
  /** Directory for the embedded database; `memory://` keeps it in memory. */
  pgliteDir?: string;
  poolMax?: number;
}

/**
 * pgvector's HNSW search settings, per session for every connection (the KB search's nearest
 * chunks, search/kb-search.ts): ef_search is the candidate list size (pgvector's default is 40);
 * relaxed_order lets a scan that needs more rows than ef_search (a filter dropped some, or a big
 * page) keep reading the graph. Set at connect time, so a search needs no transaction and no SET.
 */
export const EF_SEARCH = 300;
const HNSW_SETTINGS: [string, string][] = [
  ['hnsw.ef_search', String(EF_SEARCH)],
  ['hnsw.iterative_scan', 'relaxed_order']
];

// timestamptz → Date (pg default), int8 → string (pg default; PGlite's adapter matches).
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      // Hot statements run as named statements (./prepared.ts).
      Client: PreparingClient as unknown as new () => pg.ClientBase,
      connectionString: opts.databaseUrl,
      max: opts.poolMax ?? 20,
      idleTimeoutMillis: 30_000,
      application_name: 'outpost',
      // Startup parameters: custom settings are accepted before pgvector is loaded, and apply once it is.
      options: HNSW_SETTINGS.map(([k, v]) => `-c ${k}=${v}`).join(' ')
    });
    // An idle connection the server drops (restart, failover, pg_terminate_backend) must not crash
    // the process: pg emits it on the pool, and an unhandled 'error' event would.
    pool.on('error', (e) => log.warn('database connection lost (the pool reconnects)', { error: e.message }));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: 'postgres', close: () => db.destroy() };
  }
  const dir = opts.pgliteDir ?? 'memory://';
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite-pgvector');
  const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
  if (!dir.startsWith('memory://')) fs.mkdirSync(path.dirname(path.resolve(dir)), { recursive: true });
  const pglite = await PGlite.create({ dataDir: dir, extensions: { vector } });
  // One session for the whole process: the HNSW settings once, here.
  for (const [k, v] of HNSW_SETTINGS) await pglite.query('select set_config($1, $2, false)', [k, v]);
  // One session: a query issued outside a running transaction waits for it. The timeout turns a
  // mistaken wait-on-yourself into an error instead of a server that stops answering.
  const pool = new pg.Pool({ ...(createPgConfig(pglite) as unknown as pg.PoolConfig), connectionTimeoutMillis: 30_000 });
  pool.on('error', (e) => log.warn('embedded database session error', { error: e.message }));
  // PGlite's own listen()/unlisten run LISTEN on the same single session the pool's client is
  // using, outside the pool: issued while a pool query is between its extended-protocol
  // messages, it destroys that query's unnamed statement ("unnamed prepared statement does not
  // exist") and the session errors out. So they run while holding the pool's only connection.
  const rawListen = pglite.listen.bind(pglite);
  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      return await fn();
    } finally {
      client.release();
    }
  };
  pglite.listen = (async (...args: Parameters<typeof rawListen>) => {
    const unlisten = await exclusive(() => rawListen(...args));
    return (...u: Parameters<typeof unlisten>) => exclusive(() => unlisten(...u));
  }) as typeof pglite.listen;
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    engine: 'pglite',
    dataDir: dir,
    pglite,
    close: async () => {
      await db.destroy();
      await pglite.close();
    }
  };
}

export async function ping(db: Kysely<DB>): Promise<number> {
  const t = performance.now();
  await sql`select 1`.execute(db);
  return performance.now() - t;
}
