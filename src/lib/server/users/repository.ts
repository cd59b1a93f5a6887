import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';

const rolesOf = sql<string[]>`coalesce((select array_agg(r.key order by r.key) from user_roles ur join roles r on r.id = ur.role_id where ur.user_id = u.id), '{}')`;

export const usersRepo = {
  async list(db: Kysely<DB>, f: { q?: string; role?: string; status?: string; limit: number; offset: number }) {
    let q = db.selectFrom('users as u').where('u.deleted_at', 'is', null);
    if (f.q) {
      const like = `%${f.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      q = q.where((eb) => eb.or([eb('u.email', 'ilike', like), eb('u.name', 'ilike', like)]));
    }
    if (f.status) q = q.where('u.status', '=', f.status as 'active');
    if (f.role) {
      const role = f.role;
      q = q.where((eb) =>
        eb.exists(eb.selectFrom('user_roles as ur').innerJoin('roles as r', 'r.id', 'ur.role_id').select('ur.user_id').whereRef('ur.user_id', '=', 'u.id').where('r.key', '=', role))
      );
    }
    const [items, total] = await Promise.all([
      q
        .select(['u.id', 'u.email', 'u.name', 'u.status', 'u.team_id', 'u.last_login_at', 'u.created_at', rolesOf.as('roles')])
        .orderBy('u.name')
        .orderBy('u.id')
        .limit(f.limit)
        .offset(f.offset)
        .execute(),
      q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()
    ]);
    return { items, total: Number(total.n) };
  },
  byId(db: Kysely<DB>, id: string) {
    return db
      .selectFrom('users as u')
      .select(['u.id', 'u.email', 'u.name', 'u.status', 'u.team_id', 'u.last_login_at', 'u.created_at', rolesOf.as('roles')])
      .where('u.id', '=', id)
      .where('u.deleted_at', 'is', null)
      .executeTakeFirst();
  },
  emailTaken(db: Kysely<DB>, email: string) {
    return db.selectFrom('users').select('id').where(sql`lower(email)`, '=', email.toLowerCase()).where('deleted_at', 'is', null).executeTakeFirst();
  },
  insert(db: Kysely<DB>, row: { id: string; email: string; name: string; status: 'active' | 'invited'; password_hash: string | null; team_id: string | null; created_by: string | null }) {
    return db
      .insertInto('users')
      .values({ ...row, updated_by: row.created_by, password_changed_at: row.password_hash ? new Date() : null })
      .execute();
  },
  update(db: Kysely<DB>, id: string, set: { name?: string; status?: 'active' | 'inactive'; team_id?: string | null }, actorId: string) {
    return db
      .updateTable('users')
      .set({ ...set, updated_by: actorId, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  },
  async setRoles(db: Kysely<DB>, userId: string, roleKeys: string[], actorId: string | null) {
    await db.deleteFrom('user_roles').where('user_id', '=', userId).execute();
    if (!roleKeys.length) return;
    await db
      .insertInto('user_roles')
      .columns(['user_id', 'role_id', 'created_by'])
      .expression((eb) => eb.selectFrom('roles').select([eb.val(userId).as('user_id'), 'id', eb.val(actorId).as('created_by')]).where('key', 'in', roleKeys))
      .execute();
  },
  async activeAdminCount(db: Kysely<DB>, excludingUserId?: string) {
    let q = db
      .selectFrom('users as u')
      .innerJoin('user_roles as ur', 'ur.user_id', 'u.id')
      .innerJoin('roles as r', 'r.id', 'ur.role_id')
      .where('r.key', '=', 'admin')
      .where('u.status', '=', 'active')
      .where('u.deleted_at', 'is', null);
    if (excludingUserId) q = q.where('u.id', '!=', excludingUserId);
    const r = await q.select((eb) => eb.fn.count<string>('u.id').distinct().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  },
  teamExists(db: Kysely<DB>, id: string) {
    return db.selectFrom('teams').select('id').where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  },
  roles(db: Kysely<DB>) {
    return db
      .selectFrom('roles as r')
      .select([
        'r.key',
        'r.name',
        'r.description',
        sql<string[]>`coalesce((select array_agg(p.key order by p.key) from role_permissions rp join permissions p on p.id = rp.permission_id where rp.role_id = r.id), '{}')`.as('permissions')
      ])
      .orderBy(sql`array_position(array['admin','it_manager','agent','end_user','requester']::text[], r.key)`)
      .orderBy('r.name')
      .execute();
  }
};
