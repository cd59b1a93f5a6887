// User administration: list, create or invite, change roles/status/team. Guards keep at least one
// active admin, and deactivation ends the person's sessions at once.
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { DB } from '../db/schema';
import type { RequestContext } from '../context';
import { usersRepo } from './repository';
import { authRepo } from '../auth/repository';
import { AppError } from '$lib/domain/common/errors';
import { can, ROLE_KEYS, type RoleKey } from '$lib/domain/auth/permissions';
import { recordAudit } from '../audit/service';
import { hashPassword } from '../auth/password';
import { assertPasswordAcceptable, type AuthService } from '../auth/service';

type Row = NonNullable<Awaited<ReturnType<typeof usersRepo.byId>>>;

const view = (r: Row) => ({
  id: r.id,
  email: r.email,
  name: r.name,
  status: r.status,
  roles: r.roles.filter((k): k is RoleKey => (ROLE_KEYS as readonly string[]).includes(k)),
  teamId: r.team_id,
  lastLoginAt: r.last_login_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString()
});

export class UsersService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly auth: AuthService
  ) {}

  #require(ctx: RequestContext, permission: 'users.read' | 'users.manage') {
    if (!can(ctx.actor, permission)) throw new AppError('forbidden', permission === 'users.read' ? 'You may not see the user directory' : 'You may not manage users');
  }

  async list(ctx: RequestContext, q: { q?: string; role?: string; status?: string; limit: number; offset: number }) {
    this.#require(ctx, 'users.manage');
    const { items, total } = await usersRepo.list(this.db, q);
    return { items: items.map(view), total };
  }

  async get(ctx: RequestContext, id: string) {
    this.#require(ctx, 'users.manage');
    const row = await usersRepo.byId(this.db, id);
    if (!row) throw new AppError('not_found', 'No such user');
    return view(row);
  }

  async create(ctx: RequestContext, input: { email: string; name: string; roles: RoleKey[]; password?: string; teamId?: string | null }, origin: string) {
    this.#require(ctx, 'users.manage');
    if (input.roles.includes('admin') && !can(ctx.actor, 'roles.manage')) throw new AppError('forbidden', 'You may not grant the Admin role');
    if (input.password !== undefined) assertPasswordAcceptable(input.password, input.email);
    if (input.teamId && !(await usersRepo.teamExists(this.db, input.teamId))) {
      throw new AppError('validation', 'teamId: no such team', { fields: [{ field: 'teamId', message: 'no such team' }] });
    }
    const hash = input.password !== undefined ? await hashPassword(input.password) : null;
    const ttl = hash ? 0 : await this.auth.resetTtlMinutes(); // read before the transaction (see createResetToken)
    const id = uuidv7();
    const result = await this.db.transaction().execute(async (trx) => {
      if (await usersRepo.emailTaken(trx, input.email)) {
        throw new AppError('conflict', 'email: a user with this email already exists', { fields: [{ field: 'email', message: 'a user with this email already exists' }] });
      }
      await usersRepo.insert(trx, { id, email: input.email, name: input.name, status: hash ? 'active' : 'invited', password_hash: hash, team_id: input.teamId ?? null, created_by: ctx.actor.id });
      await usersRepo.setRoles(trx, id, input.roles, ctx.actor.id);
      let resetUrl: string | undefined;
      if (!hash) {
        const { token } = await this.auth.createResetToken(trx, id, ctx.actor.id, ttl);
        resetUrl = `${origin}/reset-password?token=${token}`;
      }
      const row = (await usersRepo.byId(trx, id))!;
      await recordAudit(trx, ctx, { action: hash ? 'user.create' : 'user.invite', entityType: 'user', entityId: id, before: null, after: view(row) });
      return { user: view(row), resetUrl };
    });
    return result;
  }

  async update(ctx: RequestContext, id: string, patch: { name?: string; status?: 'active' | 'inactive'; roles?: RoleKey[]; teamId?: string | null }) {
    this.#require(ctx, 'users.manage');
    if (patch.roles && !can(ctx.actor, 'roles.manage')) throw new AppError('forbidden', 'You may not change roles');
    const out = await this.db.transaction().execute(async (trx) => {
      const before = await usersRepo.byId(trx, id);
      if (!before) throw new AppError('not_found', 'No such user');
      const losesAdmin =
        before.roles.includes('admin') && before.status === 'active' && ((patch.roles && !patch.roles.includes('admin')) || patch.status === 'inactive');
      if (losesAdmin && (await usersRepo.activeAdminCount(trx, id)) === 0) {
        throw new AppError('conflict', 'This is the last active admin; make someone else an admin first', {
          fields: [{ field: patch.status === 'inactive' ? 'status' : 'roles', message: 'would leave no active admin' }]
        });
      }
      if (id === ctx.actor.id && patch.status === 'inactive') {
        throw new AppError('conflict', 'status: you cannot deactivate yourself', { fields: [{ field: 'status', message: 'you cannot deactivate yourself' }] });
      }
      if (patch.teamId && !(await usersRepo.teamExists(trx, patch.teamId))) {
        throw new AppError('validation', 'teamId: no such team', { fields: [{ field: 'teamId', message: 'no such team' }] });
      }
      const set: { name?: string; status?: 'active' | 'inactive'; team_id?: string | null } = {};
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.status !== undefined) set.status = patch.status;
      if (patch.teamId !== undefined) set.team_id = patch.teamId;
      if (Object.keys(set).length) await usersRepo.update(trx, id, set, ctx.actor.id);
      if (patch.roles) await usersRepo.setRoles(trx, id, [...new Set(patch.roles)], ctx.actor.id);
      if (patch.status === 'inactive') await authRepo.revokeAllForUser(trx, id, 'deactivated');
      const after = (await usersRepo.byId(trx, id))!;
      await recordAudit(trx, ctx, {
        action: patch.status === 'inactive' ? 'user.deactivate' : patch.status === 'active' && before.status === 'inactive' ? 'user.reactivate' : 'user.update',
        entityType: 'user',
        entityId: id,
        before: view(before),
        after: view(after)
      });
      return view(after);
    });
    this.auth.forget(id);
    return out;
  }

  async roles(ctx: RequestContext) {
    this.#require(ctx, 'users.manage');
    const rows = await usersRepo.roles(this.db);
    return rows.map((r) => ({ key: r.key as RoleKey, name: r.name, description: r.description, permissions: r.permissions }));
  }
}
