// In-process fixture for the jobs/assignment/escalation tests: a migrated database (PGlite in
// memory, or a fresh PostgreSQL database), people with real roles, and actors for the services.
import { uuidv7 } from 'uuidv7';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../../src/lib/server/db/connection';
import { invalidateSlaConfig } from '../../src/lib/server/sla/service';
import { migrate } from '../../src/lib/server/db/migrate';
import { DEFAULT_GRANTS, type Actor, type RoleKey } from '../../src/lib/domain/auth/permissions';
import type { RequestContext } from '../../src/lib/server/context';
import type { MutationTiming } from '../../src/lib/domain/mutations/clock';
import { freshPostgresDatabase, type Backend } from './backends';

// The SLA configuration is cached per process (one database per process in production); these
// tests open several databases in one process, so each starts with an empty cache.
const migrateAll = (db: Database['db']) => (invalidateSlaConfig(), migrate(db));

export interface Person {
  id: string;
  name: string;
  email: string;
  ctx: RequestContext;
}

export async function openFixtureDb(backend: Backend): Promise<{ database: Database; url?: string; drop: () => Promise<void> }> {
  if (backend === 'postgres') {
    const fresh = await freshPostgresDatabase('outpost_jobs');
    const database = await openDatabase({ databaseUrl: fresh.url, poolMax: 25 });
    try {
      await migrateAll(database.db);
    } catch (e) {
      await database.close();
      await fresh.drop();
      throw e;
    }
    return { database, url: fresh.url, drop: async () => { await database.close(); await fresh.drop(); } };
  }
  const database = await openDatabase({ pgliteDir: 'memory://' });
  await migrateAll(database.db);
  return { database, drop: () => database.close() };
}

export async function person(database: Database, role: RoleKey, name: string, extra: { available?: boolean; oooFrom?: Date; oooUntil?: Date } = {}): Promise<Person> {
  const id = uuidv7();
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${id.slice(-6)}@example.test`;
  await sql`insert into users (id, email, name, available, out_of_office_from, out_of_office_until) values (${id}, ${email}, ${name}, ${extra.available ?? true}, ${extra.oooFrom ?? null}, ${extra.oooUntil ?? null})`.execute(database.db);
  await sql`insert into user_roles (user_id, role_id) select ${id}, id from roles where key = ${role}`.execute(database.db);
  const actor: Actor = { id, email, name, roles: [role], permissions: new Set(DEFAULT_GRANTS[role]), via: 'bearer' };
  return { id, name, email, ctx: { actor, source: 'api' } };
}

export async function team(database: Database, name: string, method: 'manual' | 'round_robin' | 'least_loaded', members: Person[], leadId?: string) {
  const id = uuidv7();
  await sql`insert into teams (id, name, assignment_method, lead_id) values (${id}, ${name}, ${method}, ${leadId ?? null})`.execute(database.db);
  for (const m of members) await sql`insert into team_members (team_id, user_id) values (${id}, ${m.id})`.execute(database.db);
  return id;
}

export const timing = (now = new Date()): MutationTiming => ({ serverTime: now, clientTime: now, deviceTime: now, mutationId: null });

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
