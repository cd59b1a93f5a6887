-- 0009 jobs: assignment (availability, team methods, round-robin cursors, rules), escalation
-- (rules and the exactly-once log), per-user notification preferences, and what an outbound
-- notification email needs until the email issue renders it (template + data on email_messages).
-- pg-boss keeps its own schema (`pgboss`), created by pg-boss itself at start.

-- ─── Agent availability ─────────────────────────────────────────────────────────────────────
-- users.available exists (0001); an out-of-office window makes an agent unavailable between the
-- two instants (either end open). Agents toggle both themselves (PUT /api/v1/me/availability).
alter table users add column out_of_office_from timestamptz;
alter table users add column out_of_office_until timestamptz;
alter table users add constraint users_out_of_office_check
  check (out_of_office_from is null or out_of_office_until is null or out_of_office_from < out_of_office_until);
select outpost_sync_track('users', array['password_hash', 'password_changed_at', 'external_id', 'email_verified_at', 'last_login_at']);

-- ─── Team assignment method ─────────────────────────────────────────────────────────────────
alter table teams add column assignment_method text not null default 'manual'
  check (assignment_method in ('manual', 'round_robin', 'least_loaded'));
select outpost_sync_track('teams');

-- One row per team: who got the last automatic assignment. Locked (select … for update) by every
-- automatic assignment into the team, so concurrent ticket creations take turns fairly.
create table assignment_cursors (
  team_id uuid primary key references teams (id) on delete cascade,
  last_user_id uuid references users (id) on delete set null,
  assigned_count bigint not null default 0,
  updated_at timestamptz not null default now()
);

-- Ordered rules, first match wins. conditions: {"categoryIds":[…], "priorities":[…],
-- "requesterIds":[…], "keywords":[…]} — every listed key must match, an absent key matches all.
create table assignment_rules (
  id uuid primary key default gen_random_uuid(),
  name text not null check (btrim(name) <> ''),
  position integer not null default 0,
  active boolean not null default true,
  conditions jsonb not null default '{}' check (jsonb_typeof(conditions) = 'object'),
  team_id uuid references teams (id),
  agent_id uuid references users (id),
  -- How to pick an agent in team_id when agent_id is absent or unavailable; null = the team's method.
  method text check (method in ('round_robin', 'least_loaded', 'manual')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id),
  deleted_at timestamptz,
  constraint assignment_rules_target_check check (team_id is not null or agent_id is not null)
);
create index assignment_rules_order_idx on assignment_rules (position, created_at) where deleted_at is null and active;
create trigger assignment_rules_touch before update on assignment_rules for each row execute function outpost_touch_updated_at();

-- ─── Escalation ─────────────────────────────────────────────────────────────────────────────
-- trigger: 'percent' (at `percent` % of the target's time) or 'breach'. conditions: {"priorities":
-- […], "teamIds":[…], "categoryIds":[…]}. actions: [{"type":"notify","userIds":[…],"assignee":
-- bool,"team":bool,"manager":bool} | {"type":"reassign","agentId"?,"teamId"?} |
-- {"type":"raise_priority","to"?}].
create table escalation_rules (
  id uuid primary key default gen_random_uuid(),
  name text not null check (btrim(name) <> ''),
  position integer not null default 0,
  active boolean not null default true,
  target text not null check (target in ('first_response', 'resolution')),
  trigger text not null check (trigger in ('percent', 'breach')),
  percent smallint check (percent between 1 and 1000),
  conditions jsonb not null default '{}' check (jsonb_typeof(conditions) = 'object'),
  actions jsonb not null default '[]' check (jsonb_typeof(actions) = 'array'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id),
  deleted_at timestamptz,
  constraint escalation_rules_trigger_percent_check check ((trigger = 'percent') = (percent is not null))
);
create index escalation_rules_active_idx on escalation_rules (position, created_at) where deleted_at is null and active;
create trigger escalation_rules_touch before update on escalation_rules for each row execute function outpost_touch_updated_at();

-- Exactly once per (ticket, rule, target): the sweep inserts here with ON CONFLICT DO NOTHING in
-- the same transaction as the rule's actions; a second worker racing on the same row waits for the
-- first one's commit and then inserts nothing, so it applies nothing.
create table escalation_log (
  id uuid primary key default gen_random_uuid(),
  ticket_id uuid not null references tickets (id) on delete cascade,
  rule_id uuid not null references escalation_rules (id) on delete cascade,
  target text not null check (target in ('first_response', 'resolution')),
  percent numeric(8, 2),
  actions jsonb not null default '[]',
  applied_at timestamptz not null default now(),
  constraint escalation_log_once unique (ticket_id, rule_id, target)
);
create index escalation_log_rule_idx on escalation_log (rule_id, applied_at);

-- Built-in SLA notices (warning at the threshold, breach) sent to the people on the ticket, once
-- per (ticket, target, kind), with the same insert-or-nothing guard.
create table sla_notices (
  ticket_id uuid not null references tickets (id) on delete cascade,
  target text not null check (target in ('first_response', 'resolution')),
  kind text not null check (kind in ('warning', 'breached')),
  created_at timestamptz not null default now(),
  primary key (ticket_id, target, kind)
);

-- ─── Notification preferences ───────────────────────────────────────────────────────────────
-- {"<event>": {"inApp": bool, "email": bool}}; an event absent here uses the defaults in
-- src/lib/domain/notifications/preferences.ts.
create table notification_preferences (
  user_id uuid primary key references users (id) on delete cascade,
  preferences jsonb not null default '{}' check (jsonb_typeof(preferences) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger notification_preferences_touch before update on notification_preferences for each row execute function outpost_touch_updated_at();

-- ─── Outbound notification mail ─────────────────────────────────────────────────────────────
-- email_messages has no body column (the raw message is a file once rendered). A queued
-- notification carries what to render: the template (the notification type) and its data; the
-- email issue's transport renders and sends it (status queued → sent/failed).
alter table email_messages add column template text;
alter table email_messages add column template_data jsonb;
alter table email_messages add column user_id uuid references users (id) on delete set null;
