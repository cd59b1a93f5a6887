// A Kysely that runs nothing: any query through it throws NeedsDatabase. A caller hands it to a
// step that usually decides without the database (e.g. automatic assignment with cached rules)
// to learn, without side effects, that this time the step needs a transaction.
import { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type DatabaseConnection, type Driver } from 'kysely';
import type { DB } from './schema';

export class NeedsDatabase extends Error {
  constructor() {
    super('this step needs the database');
  }
}

class RefusingDriver implements Driver {
  async init() {}
  async acquireConnection(): Promise<DatabaseConnection> {
    throw new NeedsDatabase();
  }
  async beginTransaction() {}
  async commitTransaction() {}
  async rollbackTransaction() {}
  async releaseConnection() {}
  async destroy() {}
}

export const refusingDb = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new RefusingDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler()
  }
});
