import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';

export interface PrincipalRow {
  id: string;
  email: string;
  name: string;
  status: 'active' | 'inactive' | 'invited';
  password_hash: string | null;
  locale: string;
  time_zone: string;
  team_id: string | null;
  roles: string[];
  permissions: string[];
}

function principalQuery(db: Kysely<DB>) {
  return db
    .selectFrom('users as u')
    .select([
      'u.id',
      'u.email',
      'u.name',
      'u.status',
      'u.password_hash',
      'u.locale',
      'u.time_zone',
      'u.team_id',
      sql<string[]>`coalesce((select array_agg(r.key order by r.key) from user_roles ur join roles r on r.id = ur.role_id where ur.user_id = u.id), '{}')`.as('roles'),
      sql<string[]>`coalesce((select array_agg(distinct p.key) from user_roles ur join role_permissions rp on rp.role_id = ur.role_id join permissions p on p.id = rp.permission_id where ur.user_id = u.id), '{}')`.as('permissions')
    ])
    .where('u.deleted_at', 'is', null);
}

export const authRepo = {
  principalById(db: Kysely<DB>, id: string) {
    return principalQuery(db).where('u.id', '=', id).executeTakeFirst() as Promise<PrincipalRow | undefined>;
  },
  /** principalByEmail for several addresses in one statement (the email ingest's batch). */
  principalsByEmails(db: Kysely<DB>, emails: string[]) {
    if (!emails.length) return Promise.resolve([] as PrincipalRow[]);
    return principalQuery(db).where(sql`lower(u.email)`, 'in', emails.map((e) => e.toLowerCase())).execute() as Promise<PrincipalRow[]>;
  },
  principalByEmail(db: Kysely<DB>, email: string) {
    return principalQuery(db).where(sql`lower(u.email)`, '=', email.toLowerCase()).executeTakeFirst() as Promise<PrincipalRow | undefined>;
  },
  touchLogin(db: Kysely<DB>, id: string) {
    return db.updateTable('users').set({ last_login_at: new Date() }).where('id', '=', id).execute();
  },
  setPassword(db: Kysely<DB>, id: string, hash: string, actorId: string | null) {
    return db
      .updateTable('users')
      .set({ password_hash: hash, password_changed_at: new Date(), updated_by: actorId, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  },
  activateInvited(db: Kysely<DB>, id: string) {
    return db.updateTable('users').set({ status: 'active', email_verified_at: new Date() }).where('id', '=', id).where('status', '=', 'invited').execute();
  },

  insertRefresh(db: Kysely<DB>, row: { user_id: string; family_id: string; token_hash: string; expires_at: Date; ip: string | null; user_agent: string | null }) {
    return db.insertInto('refresh_tokens').values({ ...row, created_by: row.user_id }).returning(['id']).executeTakeFirstOrThrow();
  },
  refreshByHash(db: Kysely<DB>, hash: string) {
    return db
      .selectFrom('refresh_tokens')
      .select(['id', 'user_id', 'family_id', 'expires_at', 'used_at', 'revoked_at'])
      .where('token_hash', '=', hash)
      .executeTakeFirst();
  },
  /** Marks a token used if nobody did first; false means it was already used (reuse). */
  async claimRefresh(db: Kysely<DB>, id: string): Promise<boolean> {
    const r = await db
      .updateTable('refresh_tokens')
      .set({ used_at: new Date(), updated_at: new Date() })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },
  linkReplacement(db: Kysely<DB>, id: string, replacedBy: string) {
    return db.updateTable('refresh_tokens').set({ replaced_by: replacedBy }).where('id', '=', id).execute();
  },
  async revokeFamily(db: Kysely<DB>, familyId: string, reason: string) {
    const r = await db
      .updateTable('refresh_tokens')
      .set({ revoked_at: new Date(), revoked_reason: reason, updated_at: new Date() })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },
  async revokeAllForUser(db: Kysely<DB>, userId: string, reason: string) {
    const r = await db
      .updateTable('refresh_tokens')
      .set({ revoked_at: new Date(), revoked_reason: reason, updated_at: new Date() })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },
  async familyActive(db: Kysely<DB>, familyId: string): Promise<boolean> {
    const r = await db
      .selectFrom('refresh_tokens')
      .select('id')
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', new Date())
      .limit(1)
      .executeTakeFirst();
    return !!r;
  },

  insertReset(db: Kysely<DB>, row: { user_id: string; token_hash: string; expires_at: Date; created_by: string | null }) {
    return db.insertInto('password_reset_tokens').values(row).execute();
  },
  resetByHash(db: Kysely<DB>, hash: string) {
    return db.selectFrom('password_reset_tokens').select(['id', 'user_id', 'expires_at', 'used_at']).where('token_hash', '=', hash).executeTakeFirst();
  },
  async claimReset(db: Kysely<DB>, id: string) {
    const r = await db.updateTable('password_reset_tokens').set({ used_at: new Date(), updated_at: new Date() }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  insertApiKey(db: Kysely<DB>, row: { user_id: string; name: string; prefix: string; key_hash: string; expires_at: Date | null }) {
    return db
      .insertInto('api_keys')
      .values({ ...row, created_by: row.user_id })
      .returning(['id', 'name', 'prefix', 'created_at', 'expires_at'])
      .executeTakeFirstOrThrow();
  },
  apiKeyByPrefix(db: Kysely<DB>, prefix: string) {
    return db.selectFrom('api_keys').select(['id', 'user_id', 'key_hash', 'expires_at', 'revoked_at']).where('prefix', '=', prefix).executeTakeFirst();
  },
  apiKeysForUser(db: Kysely<DB>, userId: string) {
    return db
      .selectFrom('api_keys')
      .select(['id', 'name', 'prefix', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'])
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .execute();
  },
  revokeApiKey(db: Kysely<DB>, userId: string, id: string) {
    return db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', id).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  },
  touchApiKey(db: Kysely<DB>, id: string) {
    return db.updateTable('api_keys').set({ last_used_at: new Date() }).where('id', '=', id).execute();
  }
};
