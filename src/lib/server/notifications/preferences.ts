// Notification preferences: read (defaults merged in) and replaced per user.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { jobsDb } from '../db/schema-jobs';
import { resolvePreferences, type PreferencesBody, type PreferencesView } from '$lib/domain/notifications/preferences';

export const preferencesRepo = {
  async get(db: Kysely<DB>, userId: string): Promise<PreferencesView> {
    const row = await jobsDb(db).selectFrom('notification_preferences').select('preferences').where('user_id', '=', userId).executeTakeFirst();
    return resolvePreferences(row?.preferences);
  },
  /** Many users at once (escalation notices to a team). */
  async getMany(db: Kysely<DB>, userIds: string[]): Promise<Map<string, PreferencesView>> {
    const rows = userIds.length ? await jobsDb(db).selectFrom('notification_preferences').select(['user_id', 'preferences']).where('user_id', 'in', userIds).execute() : [];
    const m = new Map(rows.map((r) => [r.user_id, resolvePreferences(r.preferences)]));
    for (const id of userIds) if (!m.has(id)) m.set(id, resolvePreferences(null));
    return m;
  },
  async merge(db: Kysely<DB>, userId: string, patch: PreferencesBody): Promise<PreferencesView> {
    const next = { ...(await preferencesRepo.get(db, userId)), ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v)) } as PreferencesView;
    await jobsDb(db)
      .insertInto('notification_preferences')
      .values({ user_id: userId, preferences: JSON.stringify(next) })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ preferences: JSON.stringify(next), updated_at: new Date() }))
      .execute();
    return next;
  }
};
