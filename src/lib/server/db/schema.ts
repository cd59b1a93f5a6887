// Kysely table types. Columns match migrations/*.sql; migrate.test.ts checks every typed
// column of the identity tables exists in the database.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { ServiceDeskTables } from './schema-service-desk';
import type { EmailTables } from './schema-email';
import type { KbTables } from './schema-kb';
import type { SearchTables } from './schema-search';
import type { AiTables } from './schema-ai';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T = unknown> = ColumnType<T, string | T, string | T>;
type Audit = {
  created_at: Timestamp;
  updated_at: Timestamp;
  created_by: string | null;
  updated_by: string | null;
};

export interface UsersTable extends Audit {
  id: Generated<string>;
  email: string;
  name: string;
  avatar_url: string | null;
  phone: string | null;
  job_title: string | null;
  department: string | null;
  location: string | null;
  locale: Generated<string>;
  time_zone: Generated<string>;
  team_id: string | null;
  password_hash: string | null;
  password_changed_at: NullableTimestamp;
  status: Generated<'active' | 'inactive' | 'invited'>;
  auth_provider: Generated<'local' | 'ldap' | 'oidc' | 'saml' | 'email'>;
  external_id: string | null;
  email_verified_at: NullableTimestamp;
  last_login_at: NullableTimestamp;
  available: Generated<boolean>;
  /** Role keys, kept in step with user_roles by a trigger (for the users sync shape). */
  role_keys: Generated<string[]>;
  deleted_at: NullableTimestamp;
}

export interface TeamsTable extends Audit {
  id: Generated<string>;
  name: string;
  description: string | null;
  email: string | null;
  lead_id: string | null;
  deleted_at: NullableTimestamp;
}

export interface TeamMembersTable {
  team_id: string;
  user_id: string;
  is_lead: Generated<boolean>;
  created_at: Timestamp;
  created_by: string | null;
}

export interface RolesTable extends Audit {
  id: Generated<string>;
  key: string;
  name: string;
  description: string | null;
  is_system: Generated<boolean>;
}

export interface PermissionsTable extends Audit {
  id: Generated<string>;
  key: string;
  description: string;
}

export interface RolePermissionsTable {
  role_id: string;
  permission_id: string;
  created_at: Timestamp;
  created_by: string | null;
}

export interface UserRolesTable {
  user_id: string;
  role_id: string;
  created_at: Timestamp;
  created_by: string | null;
}

export interface RefreshTokensTable extends Audit {
  id: Generated<string>;
  user_id: string;
  family_id: string;
  token_hash: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  revoked_reason: string | null;
  replaced_by: string | null;
  ip: string | null;
  user_agent: string | null;
}

export interface PasswordResetTokensTable extends Audit {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

export interface ApiKeysTable extends Audit {
  id: Generated<string>;
  user_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  last_used_at: NullableTimestamp;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface SystemSettingsTable extends Audit {
  id: Generated<string>;
  key: string;
  value: Json;
  is_secret: Generated<boolean>;
  is_public: Generated<boolean>;
  description: string | null;
}

export interface AuditLogsTable extends Audit {
  id: Generated<string>;
  occurred_at: Timestamp;
  actor_id: string | null;
  actor_type: Generated<'user' | 'system' | 'requester' | 'api_key'>;
  action: string;
  entity_type: string;
  entity_id: string | null;
  source: 'web' | 'api' | 'email' | 'ai' | 'sync' | 'system';
  before: Json | null;
  after: Json | null;
  diff: Json | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  checksum: string;
  applied_at: Timestamp;
}

export interface DB extends ServiceDeskTables, EmailTables, KbTables, SearchTables, AiTables {
  users: UsersTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  roles: RolesTable;
  permissions: PermissionsTable;
  role_permissions: RolePermissionsTable;
  user_roles: UserRolesTable;
  refresh_tokens: RefreshTokensTable;
  password_reset_tokens: PasswordResetTokensTable;
  api_keys: ApiKeysTable;
  system_settings: SystemSettingsTable;
  audit_logs: AuditLogsTable;
  schema_migrations: SchemaMigrationsTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
