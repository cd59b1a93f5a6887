-- 0001 identity: users, teams, roles and permissions, tokens, settings, audit log.
-- Conventions for every table (see ARCHITECTURE §3): id uuid (UUIDv7 from the app or the client,
-- gen_random_uuid() as a fallback), created_at/updated_at/created_by/updated_by, soft delete with
-- deleted_at on important records. SQL stays inside what PostgreSQL 15 accepts (PGlite is 18).

create extension if not exists vector;

-- Keeps updated_at honest for writes that forget it.
create or replace function outpost_touch_updated_at() returns trigger language plpgsql as $$
begin
  if new.updated_at is not distinct from old.updated_at then
    new.updated_at := now();
  end if;
  return new;
end $$;

create table teams (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  description text,
  email text,
  lead_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  deleted_at timestamptz
);
create unique index teams_name_key on teams (lower(name)) where deleted_at is null;

create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null,
  name text not null,
  avatar_url text,
  phone text,
  job_title text,
  department text,
  location text,
  locale text not null default 'en',
  time_zone text not null default 'UTC',
  team_id uuid references teams (id),
  password_hash text,
  password_changed_at timestamptz,
  status text not null default 'active' check (status in ('active', 'inactive', 'invited')),
  auth_provider text not null default 'local' check (auth_provider in ('local', 'ldap', 'oidc', 'saml', 'email')),
  external_id text,
  email_verified_at timestamptz,
  last_login_at timestamptz,
  available boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id),
  deleted_at timestamptz
);
create unique index users_email_key on users (lower(email)) where deleted_at is null;
create index users_team_idx on users (team_id) where deleted_at is null;
create unique index users_external_key on users (auth_provider, external_id) where external_id is not null;
create trigger users_touch before update on users for each row execute function outpost_touch_updated_at();

alter table teams add constraint teams_lead_fk foreign key (lead_id) references users (id);
alter table teams add constraint teams_created_by_fk foreign key (created_by) references users (id);
alter table teams add constraint teams_updated_by_fk foreign key (updated_by) references users (id);
create trigger teams_touch before update on teams for each row execute function outpost_touch_updated_at();

create table team_members (
  team_id uuid not null references teams (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  is_lead boolean not null default false,
  created_at timestamptz not null default now(),
  created_by uuid references users (id),
  primary key (team_id, user_id)
);
create index team_members_user_idx on team_members (user_id);

create table roles (
  id uuid primary key default gen_random_uuid(),
  key text not null unique,
  name text not null,
  description text,
  is_system boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id)
);

create table permissions (
  id uuid primary key default gen_random_uuid(),
  key text not null unique,
  description text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id)
);

create table role_permissions (
  role_id uuid not null references roles (id) on delete cascade,
  permission_id uuid not null references permissions (id) on delete cascade,
  created_at timestamptz not null default now(),
  created_by uuid references users (id),
  primary key (role_id, permission_id)
);

create table user_roles (
  user_id uuid not null references users (id) on delete cascade,
  role_id uuid not null references roles (id) on delete cascade,
  created_at timestamptz not null default now(),
  created_by uuid references users (id),
  primary key (user_id, role_id)
);
create index user_roles_role_idx on user_roles (role_id);

-- Refresh tokens rotate on every use; a token used twice revokes its whole family.
create table refresh_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  family_id uuid not null,
  token_hash text not null unique,
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz,
  revoked_reason text,
  replaced_by uuid,
  ip text,
  user_agent text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id)
);
create index refresh_tokens_family_idx on refresh_tokens (family_id);
create index refresh_tokens_user_idx on refresh_tokens (user_id) where revoked_at is null;

create table password_reset_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  token_hash text not null unique,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id)
);
create index password_reset_tokens_user_idx on password_reset_tokens (user_id);

create table api_keys (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  name text not null,
  prefix text not null unique,
  key_hash text not null,
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id)
);
create index api_keys_user_idx on api_keys (user_id);

create table system_settings (
  id uuid primary key default gen_random_uuid(),
  key text not null unique,
  value jsonb not null,
  is_secret boolean not null default false,
  is_public boolean not null default false,
  description text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id)
);
create trigger system_settings_touch before update on system_settings for each row execute function outpost_touch_updated_at();

create table audit_logs (
  id uuid primary key default gen_random_uuid(),
  occurred_at timestamptz not null default now(),
  actor_id uuid references users (id),
  actor_type text not null default 'user' check (actor_type in ('user', 'system', 'requester', 'api_key')),
  action text not null,
  entity_type text not null,
  entity_id text,
  source text not null check (source in ('web', 'api', 'email', 'ai', 'sync', 'system')),
  before jsonb,
  after jsonb,
  diff jsonb,
  ip text,
  user_agent text,
  request_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id)
);
create index audit_logs_occurred_idx on audit_logs (occurred_at desc);
create index audit_logs_entity_idx on audit_logs (entity_type, entity_id, occurred_at desc);
create index audit_logs_actor_idx on audit_logs (actor_id, occurred_at desc);
create index audit_logs_action_idx on audit_logs (action, occurred_at desc);

-- Seed: roles, permissions and the default grants. The same lists live in
-- src/lib/domain/auth/permissions.ts; a test keeps the two identical.
insert into roles (key, name, description, is_system) values
  ('admin', 'Admin', 'Configures everything: users, roles, settings, integrations', true),
  ('it_manager', 'IT Manager', 'Runs the service desk: reports, SLAs, approvals, all tickets', true),
  ('agent', 'Agent', 'Works tickets, writes knowledge, manages assets and changes', true),
  ('end_user', 'End User', 'Uses the self-service portal: own tickets, knowledge base, assistant', true),
  ('requester', 'Requester', 'Raises tickets by email or link, sees only their own tickets', true);

insert into permissions (key, description) values
  ('users.read', 'See the user directory'),
  ('users.manage', 'Create, invite, deactivate users and reset their passwords'),
  ('roles.manage', 'Assign roles and change what roles may do'),
  ('settings.manage', 'Change system settings and integrations'),
  ('audit.read', 'Browse the audit log'),
  ('teams.manage', 'Create and edit teams and membership'),
  ('tickets.read.all', 'Read every ticket'),
  ('tickets.read.own', 'Read tickets one requested'),
  ('tickets.create', 'Create tickets'),
  ('tickets.update', 'Update tickets'),
  ('tickets.assign', 'Assign tickets to agents and teams'),
  ('tickets.delete', 'Delete tickets'),
  ('comments.internal', 'Read and write internal notes'),
  ('kb.read', 'Read published public articles'),
  ('kb.read.internal', 'Read internal articles and drafts'),
  ('kb.write', 'Write and edit articles'),
  ('kb.publish', 'Review and publish articles'),
  ('assets.read', 'Read the asset inventory'),
  ('assets.write', 'Change assets and relationships'),
  ('changes.read', 'Read change requests'),
  ('changes.write', 'Create and edit change requests'),
  ('changes.approve', 'Approve or reject change requests'),
  ('sla.manage', 'Configure SLA policies and business calendars'),
  ('reports.read', 'See reports and dashboards'),
  ('ai.use', 'Use the AI assistant'),
  ('email.manage', 'Configure mailboxes and outbound email');

insert into role_permissions (role_id, permission_id)
select r.id, p.id from roles r cross join permissions p where r.key = 'admin';

insert into role_permissions (role_id, permission_id)
select r.id, p.id from roles r join permissions p on p.key in (
  'users.read', 'audit.read', 'teams.manage', 'tickets.read.all', 'tickets.read.own', 'tickets.create',
  'tickets.update', 'tickets.assign', 'tickets.delete', 'comments.internal', 'kb.read', 'kb.read.internal',
  'kb.write', 'kb.publish', 'assets.read', 'assets.write', 'changes.read', 'changes.write', 'changes.approve',
  'sla.manage', 'reports.read', 'ai.use'
) where r.key = 'it_manager';

insert into role_permissions (role_id, permission_id)
select r.id, p.id from roles r join permissions p on p.key in (
  'users.read', 'tickets.read.all', 'tickets.read.own', 'tickets.create', 'tickets.update', 'tickets.assign',
  'comments.internal', 'kb.read', 'kb.read.internal', 'kb.write', 'assets.read', 'assets.write',
  'changes.read', 'changes.write', 'ai.use'
) where r.key = 'agent';

insert into role_permissions (role_id, permission_id)
select r.id, p.id from roles r join permissions p on p.key in (
  'tickets.read.own', 'tickets.create', 'kb.read', 'ai.use'
) where r.key = 'end_user';

insert into role_permissions (role_id, permission_id)
select r.id, p.id from roles r join permissions p on p.key in (
  'tickets.read.own', 'tickets.create'
) where r.key = 'requester';

-- Settings with their defaults; admins change them in the UI.
insert into system_settings (key, value, is_public, description) values
  ('auth.loginRateLimit', '{"perIpPerMinute": 30, "perAccountPerMinute": 10}', false, 'Login attempts allowed per minute, per client IP and per account'),
  ('auth.lockout', '{"threshold": 5, "seconds": 900}', false, 'Consecutive failed logins that lock an account, and for how long'),
  ('auth.selfRegistration', 'false', true, 'Allow people to create their own End User account'),
  ('auth.passwordReset', '{"enabled": true, "ttlMinutes": 60}', true, 'Password reset by signed one-time link'),
  ('auth.refreshTokenDays', '3', false, 'Lifetime of a sign-in session (refresh token), in days'),
  ('org.name', '"Outpost"', true, 'Organisation name shown in the app'),
  ('files.maxUploadBytes', '104857600', true, 'Largest file a user may upload'),
  ('sync.closedTicketDays', '30', false, 'Closed tickets stay on agents'' devices for this many days');
