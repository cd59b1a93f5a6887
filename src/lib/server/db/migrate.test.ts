// Migrations on each engine: apply cleanly, are idempotent, refuse edited files, and seed exactly
// the roles and grants the domain declares.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { sql } from 'kysely';
import { openDatabase, type Database } from './connection';
import { migrate, bundledMigrations } from './migrate';
import { DEFAULT_GRANTS, PERMISSIONS, ROLE_KEYS } from '$lib/domain/auth/permissions';
import { SETTING_KEYS, SETTING_SCHEMAS, type SettingKey } from '$lib/domain/settings/schemas';
import { freshPostgresDatabase, probePostgres, requireServices } from '../../../../tests/support/backends';

const pgProbe = await probePostgres();
if (!pgProbe.ok && requireServices) throw new Error(pgProbe.reason);
const engines = pgProbe.ok ? (['pglite', 'postgres'] as const) : (['pglite'] as const);

const IDENTITY_COLUMNS: Record<string, string[]> = {
  users: ['id', 'email', 'name', 'avatar_url', 'phone', 'job_title', 'department', 'location', 'locale', 'time_zone', 'team_id', 'password_hash', 'password_changed_at', 'status', 'auth_provider', 'external_id', 'email_verified_at', 'last_login_at', 'available', 'created_at', 'updated_at', 'created_by', 'updated_by', 'deleted_at'],
  refresh_tokens: ['id', 'user_id', 'family_id', 'token_hash', 'expires_at', 'used_at', 'revoked_at', 'revoked_reason', 'replaced_by', 'ip', 'user_agent'],
  audit_logs: ['id', 'occurred_at', 'actor_id', 'actor_type', 'action', 'entity_type', 'entity_id', 'source', 'before', 'after', 'diff', 'ip', 'user_agent', 'request_id'],
  system_settings: ['id', 'key', 'value', 'is_secret', 'is_public', 'description']
};

describe.each(engines)('migrations on %s', (engine) => {
  let d: Database;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    if (engine === 'postgres') {
      const fresh = await freshPostgresDatabase('outpost_mig');
      drop = fresh.drop;
      d = await openDatabase({ databaseUrl: fresh.url, poolMax: 2 });
    } else d = await openDatabase({ pgliteDir: 'memory://' });
  }, 60_000);
  afterAll(async () => {
    await d?.close();
    await drop?.();
  });

  it('apply in order, then do nothing the second time', async () => {
    const first = await migrate(d.db);
    expect(first.applied.map((n) => n.slice(0, 4))).toEqual(bundledMigrations().map((m) => String(m.version).padStart(4, '0')));
    expect((await migrate(d.db)).applied).toEqual([]);
  });

  it('refuse a migration edited after it was applied', async () => {
    const edited = bundledMigrations().map((m, i) => (i === 0 ? { ...m, sql: m.sql + '\n-- edited' } : m));
    await expect(migrate(d.db, edited)).rejects.toThrow(/edited after it was applied/);
  });

  it('create the core tables, the pgvector extension, GIN and partial indexes', async () => {
    const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = 'public'`.execute(d.db);
    const names = tables.rows.map((r) => r.table_name);
    // every table ARCHITECTURE §3 names
    const core = `users roles permissions role_permissions user_roles teams tickets ticket_comments ticket_attachments
      ticket_history ticket_links kb_articles kb_article_versions kb_embeddings assets asset_relationships change_requests
      change_approvals sla_policies sla_events business_calendars email_configurations email_messages system_settings
      custom_field_definitions notifications audit_logs ai_conversations files`.split(/\s+/);
    for (const t of core) expect(names, t).toContain(t);
    const idx = await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef from pg_indexes where schemaname = 'public'`.execute(d.db);
    const defs = idx.rows.map((r) => r.indexdef.toLowerCase());
    expect(defs.some((x) => x.includes('on public.tickets using gin (search_vector)'))).toBe(true);
    expect(defs.some((x) => x.includes('on public.kb_articles using gin (search_vector)'))).toBe(true);
    expect(defs.some((x) => x.includes('using hnsw (embedding vector_cosine_ops)'))).toBe(true);
    expect(defs.some((x) => x.includes('on public.tickets') && x.includes("where ((status <> all"))).toBe(true);
    const ext = await sql<{ extname: string }>`select extname from pg_extension where extname = 'vector'`.execute(d.db);
    expect(ext.rows).toHaveLength(1);
    for (const [table, cols] of Object.entries(IDENTITY_COLUMNS)) {
      const r = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_schema = 'public' and table_name = ${table}`.execute(d.db);
      expect(r.rows.map((x) => x.column_name)).toEqual(expect.arrayContaining(cols));
    }
  });

  it('seed exactly the roles, permissions and grants the domain declares', async () => {
    const roles = await d.db.selectFrom('roles').select('key').execute();
    expect(roles.map((r) => r.key).sort()).toEqual([...ROLE_KEYS].sort());
    const perms = await d.db.selectFrom('permissions').select('key').execute();
    expect(perms.map((p) => p.key).sort()).toEqual([...PERMISSIONS].sort());
    const grants = await d.db
      .selectFrom('role_permissions as rp')
      .innerJoin('roles as r', 'r.id', 'rp.role_id')
      .innerJoin('permissions as p', 'p.id', 'rp.permission_id')
      .select(['r.key as role', 'p.key as perm'])
      .execute();
    for (const role of ROLE_KEYS) {
      expect(grants.filter((g) => g.role === role).map((g) => g.perm).sort(), role).toEqual([...DEFAULT_GRANTS[role]].sort());
    }
  });

  it('seed a valid default for every setting', async () => {
    const rows = await d.db.selectFrom('system_settings').select(['key', 'value']).execute();
    for (const key of SETTING_KEYS) {
      const row = rows.find((r) => r.key === key);
      expect(row, key).toBeDefined();
      expect(SETTING_SCHEMAS[key as SettingKey].safeParse(row!.value).success, key).toBe(true);
    }
  });

  it('keep users.role_keys in step with user_roles (for the users sync shape)', async () => {
    const id = crypto.randomUUID();
    await d.db.insertInto('users').values({ id, email: `rk-${id}@example.test`, name: 'Role Keys' }).execute();
    const roleId = async (key: string) => (await d.db.selectFrom('roles').select('id').where('key', '=', key).executeTakeFirstOrThrow()).id;
    await d.db.insertInto('user_roles').values([{ user_id: id, role_id: await roleId('agent') }, { user_id: id, role_id: await roleId('it_manager') }]).execute();
    const keys = async () => (await d.db.selectFrom('users').select('role_keys').where('id', '=', id).executeTakeFirstOrThrow()).role_keys;
    expect(await keys()).toEqual(['agent', 'it_manager']);
    await d.db.deleteFrom('user_roles').where('user_id', '=', id).where('role_id', '=', await roleId('agent')).execute();
    expect(await keys()).toEqual(['it_manager']);
  });

  it.skipIf(engine === 'pglite')('survive the server dropping idle pool connections', async () => {
    await Promise.all([sql`select pg_sleep(0.05)`.execute(d.db), sql`select pg_sleep(0.05)`.execute(d.db)]);
    const pg = (await import('pg')).default;
    const killer = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await killer.connect();
    const { rows } = await sql<{ db: string }>`select current_database() as db`.execute(d.db);
    const killed = await killer.query(`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = $1`, [rows[0].db]);
    await killer.end();
    expect(killed.rows[0].n).toBeGreaterThanOrEqual(1);
    await new Promise((res) => setTimeout(res, 100));
    const again = await sql<{ one: number }>`select 1 as one`.execute(d.db);
    expect(again.rows[0].one).toBe(1);
  });

  it('let two migrators race without applying anything twice', async () => {
    const results = await Promise.all([migrate(d.db), migrate(d.db)]);
    expect(results.flatMap((r) => r.applied)).toEqual([]);
  });
});
