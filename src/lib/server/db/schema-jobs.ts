// Kysely table types for migrations/0010_jobs_assignment.sql (assignment, escalation,
// notification preferences) and the columns it adds to users, teams and email_messages.
// Kept apart from ./schema.ts so parallel work merges cleanly; `JobsDB` is DB plus these.
import type { ColumnType, Generated, Kysely } from 'kysely';
import type { DB } from './schema';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T = unknown> = ColumnType<T, string | T | undefined, string | T>;
type NullableJson<T = unknown> = ColumnType<T | null, string | T | null | undefined, string | T | null>;

export type AssignmentMethod = 'manual' | 'round_robin' | 'least_loaded';

export interface AssignmentCursorsTable {
  team_id: string;
  last_user_id: string | null;
  assigned_count: ColumnType<string, string | number | undefined, string | number>;
  updated_at: Timestamp;
}

export interface AssignmentRulesTable {
  id: Generated<string>;
  name: string;
  position: Generated<number>;
  active: Generated<boolean>;
  conditions: Json<Record<string, unknown>>;
  team_id: string | null;
  agent_id: string | null;
  method: AssignmentMethod | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  created_by: string | null;
  updated_by: string | null;
  deleted_at: NullableTimestamp;
}

export interface EscalationRulesTable {
  id: Generated<string>;
  name: string;
  position: Generated<number>;
  active: Generated<boolean>;
  target: 'first_response' | 'resolution';
  trigger: 'percent' | 'breach';
  percent: number | null;
  conditions: Json<Record<string, unknown>>;
  actions: Json<unknown[]>;
  created_at: Timestamp;
  updated_at: Timestamp;
  created_by: string | null;
  updated_by: string | null;
  deleted_at: NullableTimestamp;
}

export interface EscalationLogTable {
  id: Generated<string>;
  ticket_id: string;
  rule_id: string;
  target: 'first_response' | 'resolution';
  percent: ColumnType<string | null, string | number | null | undefined, string | number | null>;
  actions: Json<unknown[]>;
  applied_at: Timestamp;
}

export interface SlaNoticesTable {
  ticket_id: string;
  target: 'first_response' | 'resolution';
  kind: 'warning' | 'breached';
  created_at: Timestamp;
}

export interface NotificationPreferencesTable {
  user_id: string;
  preferences: Json<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

type Extend<T, X> = { [K in keyof T]: T[K] } & X;

export type JobsDB = Omit<DB, 'users' | 'teams' | 'email_messages'> & {
  users: Extend<DB['users'], { out_of_office_from: NullableTimestamp; out_of_office_until: NullableTimestamp }>;
  teams: Extend<DB['teams'], { assignment_method: Generated<AssignmentMethod> }>;
  email_messages: Extend<DB['email_messages'], { template: string | null; template_data: NullableJson<Record<string, unknown>>; user_id: string | null }>;
  assignment_cursors: AssignmentCursorsTable;
  assignment_rules: AssignmentRulesTable;
  escalation_rules: EscalationRulesTable;
  escalation_log: EscalationLogTable;
  sla_notices: SlaNoticesTable;
  notification_preferences: NotificationPreferencesTable;
};

/** The same connection or transaction, typed with the 0010 tables. */
export const jobsDb = (db: Kysely<DB>) => db as unknown as Kysely<JobsDB>;
