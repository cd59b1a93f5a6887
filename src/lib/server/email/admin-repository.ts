// email_configurations for the admin service (explicit columns; secrets only where they are needed).
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { DB } from '../db/schema';
import type { EmailConfigurationsTable } from '../db/schema-service-desk';

export const emailAdminRepo = {
  list(db: Kysely<DB>) {
    return db.selectFrom('email_configurations').selectAll().where('deleted_at', 'is', null).orderBy('kind').orderBy('name').execute();
  },
  get(db: Kysely<DB>, id: string) {
    return db.selectFrom('email_configurations').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  },
  insert(db: Kysely<DB>, row: Insertable<EmailConfigurationsTable>) {
    return db.insertInto('email_configurations').values(row).onConflict((oc) => oc.doNothing()).returningAll().executeTakeFirst();
  },
  async update(db: Kysely<DB>, id: string, set: Updateable<EmailConfigurationsTable>) {
    try {
      return await db.updateTable('email_configurations').set(set).where('id', '=', id).returningAll().executeTakeFirst();
    } catch (e) {
      if ((e as { code?: string }).code === '23505') return undefined;
      throw e;
    }
  },
  softDelete(db: Kysely<DB>, id: string, by: string) {
    return db.updateTable('email_configurations').set({ deleted_at: new Date(), enabled: false, updated_by: by }).where('id', '=', id).execute();
  },
  withSecrets(db: Kysely<DB>) {
    return db.selectFrom('email_configurations').select(['id', 'secret_encrypted']).where('secret_encrypted', 'is not', null).forUpdate().execute();
  },
  setSecret(db: Kysely<DB>, id: string, envelope: string) {
    return db.updateTable('email_configurations').set({ secret_encrypted: envelope }).where('id', '=', id).execute();
  },
  enabledWebhooks(db: Kysely<DB>) {
    return db.selectFrom('email_configurations').select(['id', 'secret_encrypted']).where('kind', '=', 'webhook').where('enabled', '=', true).where('deleted_at', 'is', null).where('secret_encrypted', 'is not', null).execute();
  },
  addresses(db: Kysely<DB>) {
    return db.selectFrom('email_configurations').select(['id', 'address', 'settings']).where('deleted_at', 'is', null).where('address', 'is not', null).execute();
  }
};
