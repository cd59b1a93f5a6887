-- AI assistant (issue 7, part 3): turns of a conversation with their limits and outcome, and
-- what the conversation row needs besides what 0002 gave it.
--
-- ai_turns is one row per question a user asks. It is what the per-user rate limit counts (over a
-- window, in the database so every app instance sees the same count), what the step/time/token
-- limits are recorded against, and the audit of how each answer ended. The tool calls of a turn
-- (name, arguments, ms, outcome) are kept in ai_conversations.tool_calls with the turn's id.
alter table ai_conversations
  add column turn_count integer not null default 0 check (turn_count >= 0),
  add column last_error text;

create table ai_turns (
  id uuid primary key default gen_random_uuid(),
  conversation_id uuid not null references ai_conversations (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  status text not null default 'running' check (status in ('running', 'done', 'limited', 'error')),
  -- answer | max_steps | max_time | max_tokens | provider_error | provider_rate_limited | interrupted
  stop_reason text,
  model text,
  steps integer not null default 0 check (steps >= 0),
  tool_calls integer not null default 0 check (tool_calls >= 0),
  prompt_tokens integer not null default 0,
  completion_tokens integer not null default 0,
  total_tokens integer not null default 0,
  -- Wall time of the turn and the part spent waiting for the model (server overhead = the rest).
  wall_ms integer,
  model_ms integer,
  error text,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id)
);
create index ai_turns_user_idx on ai_turns (user_id, started_at desc);
create index ai_turns_conversation_idx on ai_turns (conversation_id, started_at);
create trigger ai_turns_touch before update on ai_turns for each row execute function outpost_touch_updated_at();
