import type { Insertable, Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { NotificationsTable } from '../db/schema-service-desk';

export const notificationsRepo = {
  insert(db: Kysely<DB>, row: Insertable<NotificationsTable>) {
    return db.insertInto('notifications').values(row).returning('id').executeTakeFirstOrThrow();
  },
  /** Marks the user's unread notifications read: the given ids, or all created up to `before`. Other users' ids never match. */
  async markRead(db: Kysely<DB>, userId: string, f: { ids?: string[]; before?: Date }, at: Date, actorId: string) {
    let q = db.updateTable('notifications').set({ read_at: at, updated_at: new Date(), updated_by: actorId }).where('user_id', '=', userId).where('read_at', 'is', null);
    if (f.ids) q = q.where('id', 'in', f.ids);
    if (f.before) q = q.where('created_at', '<=', f.before);
    const rows = await q.returning('id').execute();
    return rows.map((r) => r.id);
  }
};
