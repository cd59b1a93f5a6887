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
import type { Compilable, Kysely, QueryResult } from 'kysely';

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
