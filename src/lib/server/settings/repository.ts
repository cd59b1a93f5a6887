import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';

export const settingsRepo = {
  all(db: Kysely<DB>) {
    return db.selectFrom('system_settings').select(['key', 'value', 'description', 'is_public', 'is_secret', 'updated_at']).orderBy('key').execute();
  },
  upsert(db: Kysely<DB>, key: string, value: unknown, actorId: string | null) {
    return db
      .insertInto('system_settings')
      .values({ key, value: JSON.stringify(value), created_by: actorId, updated_by: actorId })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value), updated_by: actorId, updated_at: new Date() }))
      .execute();
  }
};
