import type { Kysely, Updateable } from 'kysely';
import type { DB } from '../db/schema';
import type { AssetsTable } from '../db/schema-service-desk';

export const assetsRepo = {
  /** The editable fields of a live asset, locked against concurrent writers. */
  lockForWrite(db: Kysely<DB>, id: string) {
    return db
      .selectFrom('assets')
      .select([
        'id',
        'asset_tag',
        'name',
        'status',
        'category',
        'serial_number',
        'model',
        'manufacturer',
        'site',
        'location',
        'hostname',
        'ip_address',
        'mac_address',
        'assigned_to_id',
        'team_id',
        'department',
        'notes'
      ])
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .forNoKeyUpdate()
      .executeTakeFirst();
  },
  update(db: Kysely<DB>, id: string, set: Updateable<AssetsTable>) {
    return db.updateTable('assets').set(set).where('id', '=', id).execute();
  },
  userExists(db: Kysely<DB>, id: string) {
    return db.selectFrom('users').select('id').where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  },
  teamExists(db: Kysely<DB>, id: string) {
    return db.selectFrom('teams').select('id').where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  }
};
