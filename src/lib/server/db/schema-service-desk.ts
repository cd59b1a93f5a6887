// Kysely table types for migrations/0002_service_desk.sql (tickets, KB, CMDB, changes, SLA, email,
// custom fields, notifications, AI conversations, files). Same conventions as ./schema.ts.
// pg and PGlite return: timestamptz and date → Date, bigint and numeric → string, arrays → JS
// arrays, jsonb → parsed JSON, vector → its text form '[0.1,0.2,…]', tsvector → its text form.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** timestamptz without a default: required on insert. */
type RequiredTimestamp = ColumnType<Date, Date | string, Date | string>;
type NullableDateOnly = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** jsonb column with a database default. */
type Json<T = unknown> = ColumnType<T, string | T | undefined, string | T>;
type NullableJson<T = unknown> = ColumnType<T | null, string | T | null | undefined, string | T | null>;
/** bigint (int8) arrives as a string; numbers are accepted on write. */
type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;
type GeneratedInt8 = ColumnType<string, string | number | bigint | undefined, string | number | bigint>;
type NullableInt8 = ColumnType<string | null, string | number | bigint | null | undefined, string | number | bigint | null>;
type NullableNumeric = ColumnType<string | null, string | number | null | undefined, string | number | null>;
/** Generated (stored) columns: readable, never written. */
type ReadOnly<T> = ColumnType<T, never, never>;
/** pgvector value in its text form, e.g. `[0.12,-0.5,…]` (a JS array would be sent as a PG array). */
type Vector = ColumnType<string, string, string>;

type Audit = {
  created_at: Timestamp;
  updated_at: Timestamp;
  created_by: string | null;
  updated_by: string | null;
};

export type Priority = 'low' | 'medium' | 'high' | 'critical';
export type Level = 'low' | 'medium' | 'high';
export type TicketStatus = 'new' | 'in_progress' | 'waiting' | 'resolved' | 'closed';
export type TicketSource = 'web' | 'email' | 'portal' | 'api' | 'ai' | 'phone';
export type ResolutionCode = 'solved' | 'workaround' | 'not_reproducible' | 'duplicate' | 'cancelled' | 'no_response' | 'other';
export type CommentSource = TicketSource | 'system';
export type TicketLinkKind =
  | 'related'
  | 'duplicate_of'
  | 'blocks'
  | 'caused_by'
  | 'follow_up_of'
  | 'affects_asset'
  | 'implemented_by_change'
  | 'caused_by_change'
  | 'solved_by_article';
export type KbStatus = 'draft' | 'review' | 'published' | 'archived';
export type Audience = 'public' | 'internal';
export type AssetType = 'hardware' | 'software' | 'network' | 'peripheral' | 'license' | 'other';
export type AssetStatus = 'ordered' | 'in_stock' | 'deployed' | 'in_repair' | 'retired' | 'lost' | 'disposed';
export type AssetRelationshipKind =
  | 'depends_on'
  | 'connected_to'
  | 'installed_on'
  | 'contains'
  | 'runs_on'
  | 'licensed_to'
  | 'backup_of'
  | 'replaces';
export type ChangeType = 'standard' | 'normal' | 'emergency';
export type ChangeStatus =
  | 'draft'
  | 'submitted'
  | 'approved'
  | 'rejected'
  | 'scheduled'
  | 'implementing'
  | 'completed'
  | 'failed'
  | 'cancelled';
export type ApprovalDecision = 'pending' | 'approved' | 'rejected' | 'abstained';
export type SlaEventKind = 'start' | 'pause' | 'resume' | 'met' | 'breached' | 'stopped' | 'warning' | 'policy_changed' | 'target_changed';
export type SlaTarget = 'first_response' | 'resolution';
export type EmailConfigurationKind = 'imap' | 'pop3' | 'smtp' | 'webhook';
export type EmailSecurity = 'none' | 'tls' | 'starttls';
export type EmailMessageStatus = 'received' | 'processed' | 'ignored' | 'failed' | 'queued' | 'sent';
export type EmailClassification = 'normal' | 'auto_reply' | 'bounce' | 'loop' | 'spam';
export type CustomFieldEntity = 'ticket' | 'asset' | 'change';
export type CustomFieldType = 'text' | 'textarea' | 'number' | 'select' | 'multiselect' | 'date' | 'boolean';
export type FileOwnerType =
  | 'ticket'
  | 'comment'
  | 'kb_article'
  | 'asset'
  | 'change_request'
  | 'email_message'
  | 'user'
  | 'ai_conversation'
  | 'other';

/** Business minutes per priority. */
export type SlaTargets = Partial<Record<Priority, { firstResponseMinutes?: number; resolutionMinutes?: number }>>;
/** Local-time ranges per weekday, e.g. { mon: [['09:00', '17:00']], sat: [] }. */
export type WeeklyHours = Partial<Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', [string, string][]>>;
export type Holiday = { date: string; name?: string; hours?: [string, string][] };

export interface FilesTable extends Audit {
  id: Generated<string>;
  storage_path: string;
  original_name: string;
  sanitized_name: string;
  mime_type: string;
  size_bytes: Int8;
  sha256: string | null;
  status: Generated<'pending' | 'stored' | 'rejected'>;
  owner_type: FileOwnerType | null;
  owner_id: string | null;
  uploaded_by: string | null;
  deleted_at: NullableTimestamp;
}

export interface BusinessCalendarsTable extends Audit {
  id: Generated<string>;
  name: string;
  description: string | null;
  time_zone: Generated<string>;
  weekly_hours: Json<WeeklyHours>;
  holidays: Json<Holiday[]>;
  is_default: Generated<boolean>;
  deleted_at: NullableTimestamp;
}

export interface SlaPoliciesTable extends Audit {
  id: Generated<string>;
  name: string;
  description: string | null;
  conditions: Json<Record<string, unknown>>;
  targets: Json<SlaTargets>;
  calendar_id: string | null;
  pause_statuses: Generated<string[]>;
  warning_percent: Generated<number>;
  escalation: Json<Record<string, unknown>>;
  active: Generated<boolean>;
  position: Generated<number>;
  deleted_at: NullableTimestamp;
}

export interface TicketTypesTable extends Audit {
  id: Generated<string>;
  key: string;
  name: string;
  description: string | null;
  icon: string | null;
  color: string | null;
  default_priority: Generated<Priority>;
  portal_visible: Generated<boolean>;
  position: Generated<number>;
  active: Generated<boolean>;
  deleted_at: NullableTimestamp;
}

export interface TicketCategoriesTable extends Audit {
  id: Generated<string>;
  parent_id: string | null;
  name: string;
  description: string | null;
  default_team_id: string | null;
  portal_visible: Generated<boolean>;
  position: Generated<number>;
  active: Generated<boolean>;
  deleted_at: NullableTimestamp;
}

export interface KbCategoriesTable extends Audit {
  id: Generated<string>;
  parent_id: string | null;
  slug: string;
  name: string;
  description: string | null;
  icon: string | null;
  audience: Generated<Audience>;
  position: Generated<number>;
  deleted_at: NullableTimestamp;
}

export interface EmailConfigurationsTable extends Audit {
  id: Generated<string>;
  name: string;
  kind: EmailConfigurationKind;
  address: string | null;
  display_name: string | null;
  host: string | null;
  port: number | null;
  security: Generated<EmailSecurity>;
  auth_method: Generated<'none' | 'password' | 'oauth2'>;
  username: string | null;
  /** Encrypted envelope; never plaintext, never sent to a client. */
  secret_encrypted: string | null;
  folder: Generated<string | null>;
  processed_folder: string | null;
  poll_interval_seconds: Generated<number>;
  use_idle: Generated<boolean>;
  default_team_id: string | null;
  default_type_id: string | null;
  is_default: Generated<boolean>;
  settings: Json<Record<string, unknown>>;
  enabled: Generated<boolean>;
  uid_validity: NullableInt8;
  last_uid: NullableInt8;
  last_polled_at: NullableTimestamp;
  last_success_at: NullableTimestamp;
  last_error: string | null;
  last_error_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
}

export interface TicketsTable extends Audit {
  id: Generated<string>;
  number: GeneratedInt8;
  subject: string;
  description: string | null;
  description_html: string | null;
  status: Generated<TicketStatus>;
  waiting_reason: string | null;
  priority: Generated<Priority>;
  /** critical 4, high 3, medium 2, low 1 (generated). */
  priority_rank: ReadOnly<number>;
  impact: Generated<Level>;
  urgency: Generated<Level>;
  type_id: string | null;
  category_id: string | null;
  tags: Generated<string[]>;
  requester_id: string;
  assignee_id: string | null;
  team_id: string | null;
  source: Generated<TicketSource>;
  cc_emails: Generated<string[]>;
  location: string | null;
  due_at: NullableTimestamp;
  first_response_at: NullableTimestamp;
  resolved_at: NullableTimestamp;
  closed_at: NullableTimestamp;
  reopened_at: NullableTimestamp;
  reopen_count: Generated<number>;
  sla_policy_id: string | null;
  first_response_due_at: NullableTimestamp;
  resolution_due_at: NullableTimestamp;
  first_response_breached_at: NullableTimestamp;
  resolution_breached_at: NullableTimestamp;
  sla_paused: Generated<boolean>;
  sla_paused_at: NullableTimestamp;
  sla_paused_seconds: Generated<number>;
  resolution_code: ResolutionCode | null;
  resolution_notes: string | null;
  satisfaction_rating: number | null;
  satisfaction_comment: string | null;
  satisfaction_at: NullableTimestamp;
  parent_id: string | null;
  merged_into_id: string | null;
  custom_fields: Json<Record<string, unknown>>;
  last_activity_at: Timestamp;
  last_agent_reply_at: NullableTimestamp;
  last_requester_reply_at: NullableTimestamp;
  client_created_at: NullableTimestamp;
  client_updated_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  search_vector: ReadOnly<string>;
}

export interface EmailMessagesTable extends Audit {
  id: Generated<string>;
  direction: 'in' | 'out';
  mailbox_id: string | null;
  message_id: string;
  in_reply_to: string | null;
  references: Generated<string[]>;
  thread_index: string | null;
  uid: NullableInt8;
  uid_validity: NullableInt8;
  ticket_id: string | null;
  comment_id: string | null;
  from_address: string | null;
  from_name: string | null;
  to_addresses: Generated<string[]>;
  cc_addresses: Generated<string[]>;
  reply_to: string | null;
  subject: string | null;
  classification: Generated<EmailClassification>;
  raw_file_id: string | null;
  size_bytes: NullableInt8;
  status: EmailMessageStatus;
  error: string | null;
  attempts: Generated<number>;
  next_attempt_at: NullableTimestamp;
  received_at: NullableTimestamp;
  processed_at: NullableTimestamp;
  sent_at: NullableTimestamp;
  /** POP3 UIDL (migration 0006, email). */
  uidl: string | null;
  /** sha256 of the raw message (migration 0006, email). */
  content_sha256: string | null;
}

export interface TicketCommentsTable extends Audit {
  id: Generated<string>;
  ticket_id: string;
  /** Copied from the ticket by a trigger (the value written is replaced). */
  requester_id: string;
  internal: Generated<boolean>;
  author_id: string | null;
  author_type: Generated<'agent' | 'requester' | 'system' | 'ai'>;
  body: string;
  body_html: string | null;
  body_format: Generated<'markdown' | 'plain' | 'html'>;
  source: Generated<CommentSource>;
  email_message_id: string | null;
  time_spent_minutes: number | null;
  is_resolution: Generated<boolean>;
  edited_at: NullableTimestamp;
  client_created_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
}

export interface TicketAttachmentsTable extends Audit {
  id: Generated<string>;
  ticket_id: string;
  comment_id: string | null;
  file_id: string;
  /** Copied from the ticket by a trigger. */
  requester_id: string;
  /** Follows the comment's internal flag when comment_id is set (trigger). */
  internal: Generated<boolean>;
  file_name: string;
  mime_type: string;
  size_bytes: Int8;
  inline: Generated<boolean>;
  uploaded_by: string | null;
  client_created_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
}

export interface TicketHistoryTable extends Audit {
  id: Generated<string>;
  ticket_id: string;
  /** Copied from the ticket by a trigger. */
  requester_id: string;
  internal: Generated<boolean>;
  actor_id: string | null;
  actor_type: Generated<'user' | 'system' | 'requester' | 'api_key' | 'ai' | 'email'>;
  source: Generated<'web' | 'api' | 'email' | 'ai' | 'sync' | 'system' | 'portal' | 'phone'>;
  action: string;
  field: string | null;
  old_value: NullableJson;
  new_value: NullableJson;
  mutation_id: string | null;
  device_time: NullableTimestamp;
}

export interface KbArticlesTable extends Audit {
  id: Generated<string>;
  slug: string;
  locale: Generated<string>;
  translation_of_id: string | null;
  title: string;
  summary: string | null;
  body: Generated<string>;
  status: Generated<KbStatus>;
  audience: Generated<Audience>;
  category_id: string | null;
  tags: Generated<string[]>;
  author_id: string | null;
  reviewer_id: string | null;
  reviewed_at: NullableTimestamp;
  published_at: NullableTimestamp;
  archived_at: NullableTimestamp;
  version: Generated<number>;
  helpful_yes: Generated<number>;
  helpful_no: Generated<number>;
  view_count: Generated<number>;
  source_ticket_id: string | null;
  ai_generated: Generated<boolean>;
  deleted_at: NullableTimestamp;
  search_vector: ReadOnly<string>;
  /** 0012: when the content last changed (updated_at also moves on views and votes). */
  revised_at: NullableTimestamp;
  /** 0012: a draft from a resolved ticket that likely duplicates this published article. */
  suspected_duplicate_id: string | null;
  suspected_duplicate_score: number | null;
  /** 0016: title (A) and summary (B) only, for the keyword tiers that ask about those. */
  title_vector: ReadOnly<string>;
}

export interface KbArticleVersionsTable extends Audit {
  id: Generated<string>;
  article_id: string;
  version: number;
  title: string;
  summary: string | null;
  body: string;
  status: KbStatus;
  change_note: string | null;
  author_id: string | null;
}

export interface KbEmbeddingsTable extends Audit {
  id: Generated<string>;
  article_id: string;
  article_version: Generated<number>;
  chunk_index: number;
  content: string;
  content_hash: string | null;
  model: string;
  dimension: Generated<number>;
  embedding: Vector;
}

export interface AssetsTable extends Audit {
  id: Generated<string>;
  asset_tag: string;
  name: string;
  type: AssetType;
  category: string | null;
  status: Generated<AssetStatus>;
  serial_number: string | null;
  model: string | null;
  manufacturer: string | null;
  site: string | null;
  location: string | null;
  hostname: string | null;
  ip_address: string | null;
  mac_address: string | null;
  assigned_to_id: string | null;
  assigned_at: NullableTimestamp;
  team_id: string | null;
  department: string | null;
  vendor: string | null;
  order_number: string | null;
  purchase_date: NullableDateOnly;
  purchase_cost: NullableNumeric;
  currency: Generated<string>;
  warranty_expires_on: NullableDateOnly;
  end_of_life_on: NullableDateOnly;
  license_seats: number | null;
  license_expires_on: NullableDateOnly;
  specs: Json<Record<string, unknown>>;
  custom_fields: Json<Record<string, unknown>>;
  notes: string | null;
  last_audited_at: NullableTimestamp;
  last_audited_by: string | null;
  client_updated_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
}

export interface AssetRelationshipsTable extends Audit {
  id: Generated<string>;
  source_asset_id: string;
  target_asset_id: string;
  kind: AssetRelationshipKind;
  notes: string | null;
}

export interface ChangeRequestsTable extends Audit {
  id: Generated<string>;
  number: GeneratedInt8;
  title: string;
  description: string | null;
  justification: string | null;
  type: Generated<ChangeType>;
  risk: Generated<Priority>;
  risk_score: number | null;
  impact: Generated<Level>;
  status: Generated<ChangeStatus>;
  category: string | null;
  requester_id: string | null;
  owner_id: string | null;
  team_id: string | null;
  planned_start: NullableTimestamp;
  planned_end: NullableTimestamp;
  actual_start: NullableTimestamp;
  actual_end: NullableTimestamp;
  implementation_plan: string | null;
  backout_plan: string | null;
  test_plan: string | null;
  required_approvals: Generated<number>;
  submitted_at: NullableTimestamp;
  approved_at: NullableTimestamp;
  closed_at: NullableTimestamp;
  close_notes: string | null;
  custom_fields: Json<Record<string, unknown>>;
  client_updated_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
}

export interface ChangeApprovalsTable extends Audit {
  id: Generated<string>;
  change_request_id: string;
  approver_id: string;
  step: Generated<number>;
  decision: Generated<ApprovalDecision>;
  comment: string | null;
  decided_at: NullableTimestamp;
}

export interface ChangeRequestAssetsTable extends Audit {
  change_request_id: string;
  asset_id: string;
}

export interface TicketLinksTable extends Audit {
  id: Generated<string>;
  ticket_id: string;
  kind: TicketLinkKind;
  linked_ticket_id: string | null;
  asset_id: string | null;
  change_request_id: string | null;
  kb_article_id: string | null;
  note: string | null;
}

export interface SlaEventsTable extends Audit {
  id: Generated<string>;
  ticket_id: string;
  policy_id: string | null;
  kind: SlaEventKind;
  target: SlaTarget | null;
  occurred_at: RequiredTimestamp;
  device_time: NullableTimestamp;
  due_at: NullableTimestamp;
  details: Json<Record<string, unknown>>;
  /** migrations/0006: set when a replay no longer produces this event. */
  superseded_at: NullableTimestamp;
}

export interface CustomFieldDefinitionsTable extends Audit {
  id: Generated<string>;
  entity: CustomFieldEntity;
  key: string;
  label: string;
  description: string | null;
  type: CustomFieldType;
  options: Json;
  default_value: NullableJson;
  required_for_type_ids: Generated<string[]>;
  type_ids: Generated<string[]>;
  portal_visible: Generated<boolean>;
  position: Generated<number>;
  active: Generated<boolean>;
  deleted_at: NullableTimestamp;
}

export interface NotificationsTable extends Audit {
  id: Generated<string>;
  user_id: string;
  type: string;
  title: string;
  body: string | null;
  link: string | null;
  actor_id: string | null;
  ticket_id: string | null;
  change_request_id: string | null;
  data: Json<Record<string, unknown>>;
  read_at: NullableTimestamp;
  emailed_at: NullableTimestamp;
}

export type AiMessage = { role: 'system' | 'user' | 'assistant' | 'tool'; content: string; at?: string; [k: string]: unknown };
export type AiToolCall = { name: string; arguments: unknown; result?: unknown; ms?: number; at?: string; [k: string]: unknown };

export interface AiConversationsTable extends Audit {
  id: Generated<string>;
  user_id: string | null;
  title: string | null;
  status: Generated<'active' | 'resolved' | 'escalated' | 'closed'>;
  messages: Json<AiMessage[]>;
  tool_calls: Json<AiToolCall[]>;
  model: string | null;
  prompt_tokens: Generated<number>;
  completion_tokens: Generated<number>;
  total_tokens: Generated<number>;
  ticket_id: string | null;
  last_message_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  /** 0014_ai_assistant */
  turn_count: Generated<number>;
  last_error: string | null;
}

export interface ServiceDeskTables {
  files: FilesTable;
  business_calendars: BusinessCalendarsTable;
  sla_policies: SlaPoliciesTable;
  ticket_types: TicketTypesTable;
  ticket_categories: TicketCategoriesTable;
  kb_categories: KbCategoriesTable;
  email_configurations: EmailConfigurationsTable;
  tickets: TicketsTable;
  email_messages: EmailMessagesTable;
  ticket_comments: TicketCommentsTable;
  ticket_attachments: TicketAttachmentsTable;
  ticket_history: TicketHistoryTable;
  kb_articles: KbArticlesTable;
  kb_article_versions: KbArticleVersionsTable;
  kb_embeddings: KbEmbeddingsTable;
  assets: AssetsTable;
  asset_relationships: AssetRelationshipsTable;
  change_requests: ChangeRequestsTable;
  change_approvals: ChangeApprovalsTable;
  change_request_assets: ChangeRequestAssetsTable;
  ticket_links: TicketLinksTable;
  sla_events: SlaEventsTable;
  custom_field_definitions: CustomFieldDefinitionsTable;
  notifications: NotificationsTable;
  ai_conversations: AiConversationsTable;
}

export type Ticket = Selectable<TicketsTable>;
export type NewTicket = Insertable<TicketsTable>;
export type TicketUpdate = Updateable<TicketsTable>;
export type TicketComment = Selectable<TicketCommentsTable>;
export type NewTicketComment = Insertable<TicketCommentsTable>;
export type KbArticle = Selectable<KbArticlesTable>;
export type NewKbArticle = Insertable<KbArticlesTable>;
export type Asset = Selectable<AssetsTable>;
export type NewAsset = Insertable<AssetsTable>;
export type ChangeRequest = Selectable<ChangeRequestsTable>;
export type NewChangeRequest = Insertable<ChangeRequestsTable>;
