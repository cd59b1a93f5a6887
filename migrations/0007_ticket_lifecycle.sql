-- 0007 ticket lifecycle: canned responses (macros), time entries per agent, satisfaction surveys,
-- and the settings that make the workflow and the impact × urgency priority matrix configurable.
-- None of these tables is synced yet (no shape), so no outpost_sync_track() call is needed; the
-- columns of synced tables are unchanged.

-- Canned responses / macros: text to insert and fields to set on a ticket in one step.
-- actions: {"status": "waiting", "priority": "high", "team_id": "…", "assignee_id": "…",
--           "type_id": "…", "category_id": "…", "tags_add": ["…"], "tags_remove": ["…"]}
-- (validated by src/lib/domain/tickets/lifecycle.ts before it reaches the table).
create table canned_responses (
  id uuid primary key default gen_random_uuid(),
  title text not null check (btrim(title) <> ''),
  body text not null default '',
  -- The inserted text becomes an internal note instead of a public reply.
  internal boolean not null default false,
  actions jsonb not null default '{}',
  active boolean not null default true,
  position integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id),
  deleted_at timestamptz,
  check (jsonb_typeof(actions) = 'object')
);
create unique index canned_responses_title_key on canned_responses (lower(title)) where deleted_at is null;
create trigger canned_responses_touch before update on canned_responses for each row execute function outpost_touch_updated_at();

-- Time tracking: one row per agent per entry; the per-ticket total is a sum over live rows.
create table ticket_time_entries (
  id uuid primary key default gen_random_uuid(),
  ticket_id uuid not null references tickets (id) on delete cascade,
  agent_id uuid not null references users (id),
  minutes integer not null check (minutes between 1 and 10000),
  note text,
  -- The day the work was done (agent's choice; defaults to the device day).
  work_date date not null default current_date,
  mutation_id uuid,
  device_time timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id),
  deleted_at timestamptz
);
create index ticket_time_entries_ticket_idx on ticket_time_entries (ticket_id) where deleted_at is null;
create index ticket_time_entries_agent_idx on ticket_time_entries (agent_id, work_date) where deleted_at is null;
create trigger ticket_time_entries_touch before update on ticket_time_entries for each row execute function outpost_touch_updated_at();

-- Satisfaction surveys. The link carries the survey id and expiry signed with an HMAC of the
-- server secret; nothing secret is stored. answered_at makes a link work once.
create table ticket_surveys (
  id uuid primary key default gen_random_uuid(),
  ticket_id uuid not null references tickets (id) on delete cascade,
  requester_id uuid not null references users (id),
  expires_at timestamptz not null,
  rating smallint check (rating between 1 and 5),
  comment text,
  answered_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id),
  constraint ticket_surveys_answer_check check ((answered_at is null) = (rating is null))
);
create index ticket_surveys_ticket_idx on ticket_surveys (ticket_id, created_at);
create trigger ticket_surveys_touch before update on ticket_surveys for each row execute function outpost_touch_updated_at();

-- Sort orders of GET /api/v1/tickets without a narrowing filter: keyset pages by priority and by
-- last update read an index instead of sorting every live ticket.
create index tickets_priority_sort_idx on tickets (priority_rank desc, id desc) where deleted_at is null;
create index tickets_updated_sort_idx on tickets (updated_at desc, id desc) where deleted_at is null;

insert into system_settings (key, value, is_public, description) values
  ('tickets.workflow',
   '{"transitions": {"new": ["in_progress"], "in_progress": ["waiting", "resolved"], "waiting": ["in_progress"], "resolved": ["in_progress", "closed"], "closed": ["in_progress"]}, "requesterTransitions": {"resolved": ["in_progress", "closed"]}, "reopenFrom": ["resolved", "closed"]}',
   true, 'Ticket status transitions agents (and requesters) may make'),
  ('tickets.priorityMatrix',
   '{"enabled": true, "matrix": {"high": {"high": "critical", "medium": "high", "low": "medium"}, "medium": {"high": "high", "medium": "medium", "low": "low"}, "low": {"high": "medium", "medium": "low", "low": "low"}}}',
   true, 'Priority from impact (rows) × urgency (columns) when a ticket gives no priority'),
  ('tickets.survey',
   '{"enabled": true, "ttlSeconds": 1209600}',
   false, 'Satisfaction survey after resolution: on/off and how long the signed link stays valid')
on conflict (key) do nothing;
