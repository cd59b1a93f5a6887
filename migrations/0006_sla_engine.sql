-- 0006 SLA engine: the clock is replayed from ticket events (src/lib/domain/sla/clock.ts) and its
-- timeline appended to sla_events.
--
-- New event kinds: 'stopped' (a metric stopped after it had breached: resolved late, replied late)
-- and 'target_changed' (same policy, other targets or calendar, e.g. the priority changed).
-- start / policy_changed / target_changed rows carry the policy snapshot in details.policy
-- (priority, calendarId, pauseStatuses, targets, warningPercent): they are the policy decisions the
-- clock replays, so editing a policy later does not rewrite the clocks of tickets already running.
alter table sla_events drop constraint sla_events_kind_check;
alter table sla_events add constraint sla_events_kind_check
  check (kind in ('start', 'pause', 'resume', 'met', 'breached', 'stopped', 'warning', 'policy_changed', 'target_changed'));
alter table sla_events drop constraint sla_events_target_required_check;
alter table sla_events add constraint sla_events_target_required_check
  check (kind not in ('met', 'breached', 'stopped', 'warning') or target is not null);

-- The log is append-only. When a replay no longer produces a recorded event (a change made offline
-- arrives with a device time before it, a calendar gained a holiday), the row is kept and marked
-- superseded instead of deleted, so what was once shown (and escalated) stays explainable.
alter table sla_events add column superseded_at timestamptz;

-- At most one live breach per metric and ticket: the breach sweep may run on several workers at
-- once; the row lock on the ticket serialises them and this index makes a duplicate impossible.
create unique index sla_events_breached_key on sla_events (ticket_id, target) where kind = 'breached' and superseded_at is null;
create index sla_events_ticket_live_idx on sla_events (ticket_id, occurred_at) where superseded_at is null;
