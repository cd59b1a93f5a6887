// First start: when no admin exists, create one from OUTPOST_ADMIN_EMAIL/PASSWORD, or generate a
// password and print it once to the terminal (never to the structured log).
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { DB } from '../db/schema';
import { hashPassword } from '../auth/password';
import { passwordProblem } from '../auth/service';
import { recordAudit } from '../audit/service';
import { systemActor } from '$lib/domain/auth/permissions';

export async function ensureFirstAdmin(db: Kysely<DB>, opts: { email?: string; password?: string; print?: (line: string) => void }) {
  const existing = await db
    .selectFrom('user_roles as ur')
    .innerJoin('roles as r', 'r.id', 'ur.role_id')
    .select('ur.user_id')
    .where('r.key', '=', 'admin')
    .limit(1)
    .executeTakeFirst();
  if (existing) return { created: false as const, adminId: existing.user_id };

  const email = (opts.email ?? 'admin@outpost.local').toLowerCase();
  let password = opts.password;
  if (password) {
    const problem = passwordProblem(password, email);
    if (problem) throw new Error(`OUTPOST_ADMIN_PASSWORD ${problem}`);
  } else {
    password = randomBytes(15).toString('base64url');
  }
  const id = uuidv7();
  const hash = await hashPassword(password);
  await db.transaction().execute(async (trx) => {
    const taken = await trx.selectFrom('users').select('id').where(sql`lower(email)`, '=', email).executeTakeFirst();
    const userId = taken?.id ?? id;
    if (!taken) {
      await trx.insertInto('users').values({ id, email, name: 'Administrator', password_hash: hash, password_changed_at: new Date(), status: 'active' }).execute();
    } else {
      await trx.updateTable('users').set({ password_hash: hash, status: 'active' }).where('id', '=', userId).execute();
    }
    await trx
      .insertInto('user_roles')
      .columns(['user_id', 'role_id'])
      .expression((eb) => eb.selectFrom('roles').select([eb.val(userId).as('user_id'), 'id']).where('key', '=', 'admin'))
      .execute();
    await recordAudit(trx, { actor: systemActor, source: 'system' }, { action: 'user.bootstrap_admin', entityType: 'user', entityId: userId, after: { email } });
  });
  const adminId = (await db.selectFrom('users').select('id').where(sql`lower(email)`, '=', email).executeTakeFirstOrThrow()).id;
  if (!opts.password) {
    (opts.print ?? ((l) => process.stdout.write(l + '\n')))(
      `\n  Outpost first admin created — this password is shown only once:\n    email:    ${email}\n    password: ${password}\n`
    );
  }
  return { created: true as const, adminId };
}
