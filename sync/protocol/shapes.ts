// The shape registry: what each named shape means for a given user. The client only ever names
// a shape (`?shape=tickets`); the server builds table, columns and filter from here, so internal
// notes, other people's tickets and secrets never leave the server for a role that may not see
// them. Every filter is a simple expression over columns of the row itself (ARCHITECTURE §3: the
// columns a shape filters on are copied onto the row), so there are no joins in shapes.
import { and, eq, gte, isNull, ne, or, filterKey, type Filter } from './filter';
import { isShapeName, type ShapeName } from './shape-names';

export { SHAPE_NAMES, isShapeName, type ShapeName } from './shape-names';

/** Who is asking (structurally the app's Actor). */
export interface ShapeActor {
  id: string;
  permissions: ReadonlySet<string>;
}

/** Values the registry needs from settings and the clock. */
export interface ShapeContext {
  /** `sync.closedTicketDays`: closed tickets stay on staff devices this long. */
  closedTicketDays: number;
  now?: Date;
}

export type Replica = 'default' | 'full';

export interface ShapeDefinition {
  /** The registry name the client asked for. */
  name: string;
  table: string;
  /** Selected columns, primary key included. */
  columns: string[];
  where: Filter | null;
  replica: Replica;
}

/** Tables with a change-capture trigger (migration 0003), and only these can be shapes. */
export const SYNCED_TABLES = [
  'tickets',
  'ticket_comments',
  'ticket_attachments',
  'kb_articles',
  'assets',
  'change_requests',
  'users',
  'teams',
  'sla_policies',
  'system_settings',
  'notifications'
] as const;
export type SyncedTable = (typeof SYNCED_TABLES)[number];

// Explicit column lists: a column added later is not synced until it is listed here.
// Left out everywhere: tsvector search columns; tickets.priority_rank (generated: Electric on
// PostgreSQL < 18 cannot replicate generated columns); users' credentials and login data.
const COLUMNS: Record<SyncedTable, string[]> = {
  tickets: [
    'id', 'number', 'subject', 'description', 'description_html', 'status', 'waiting_reason', 'priority', 'impact', 'urgency',
    'type_id', 'category_id', 'tags', 'requester_id', 'assignee_id', 'team_id', 'source', 'cc_emails', 'location', 'due_at',
    'first_response_at', 'resolved_at', 'closed_at', 'reopened_at', 'reopen_count', 'sla_policy_id', 'first_response_due_at',
    'resolution_due_at', 'first_response_breached_at', 'resolution_breached_at', 'sla_paused', 'sla_paused_at',
    'sla_paused_seconds', 'resolution_code', 'resolution_notes', 'satisfaction_rating', 'satisfaction_comment', 'satisfaction_at',
    'parent_id', 'merged_into_id', 'custom_fields', 'last_activity_at', 'last_agent_reply_at', 'last_requester_reply_at',
    'client_created_at', 'client_updated_at', 'created_at', 'updated_at', 'created_by', 'updated_by', 'deleted_at'
  ],
  ticket_comments: [
    'id', 'ticket_id', 'requester_id', 'internal', 'author_id', 'author_type', 'body', 'body_html', 'body_format', 'source',
    'time_spent_minutes', 'is_resolution', 'edited_at', 'client_created_at', 'created_at', 'updated_at', 'created_by',
    'updated_by', 'deleted_at'
  ],
  ticket_attachments: [
    'id', 'ticket_id', 'comment_id', 'file_id', 'requester_id', 'internal', 'file_name', 'mime_type', 'size_bytes', 'inline',
    'uploaded_by', 'client_created_at', 'created_at', 'updated_at', 'deleted_at'
  ],
  kb_articles: [
    'id', 'slug', 'locale', 'translation_of_id', 'title', 'summary', 'body', 'status', 'audience', 'category_id', 'tags',
    'author_id', 'reviewer_id', 'reviewed_at', 'published_at', 'archived_at', 'version', 'helpful_yes', 'helpful_no',
    'view_count', 'source_ticket_id', 'ai_generated', 'created_at', 'updated_at', 'created_by', 'updated_by', 'deleted_at',
    // kb (0012): content revision time and the duplicate suspicion of drafts from tickets.
    'revised_at', 'suspected_duplicate_id', 'suspected_duplicate_score'
  ],
  assets: [
    'id', 'asset_tag', 'name', 'type', 'category', 'status', 'serial_number', 'model', 'manufacturer', 'site', 'location',
    'hostname', 'ip_address', 'mac_address', 'assigned_to_id', 'assigned_at', 'team_id', 'department', 'vendor', 'order_number',
    'purchase_date', 'purchase_cost', 'currency', 'warranty_expires_on', 'end_of_life_on', 'license_seats', 'license_expires_on',
    'specs', 'custom_fields', 'notes', 'last_audited_at', 'last_audited_by', 'client_updated_at', 'created_at', 'updated_at',
    'created_by', 'updated_by', 'deleted_at'
  ],
  change_requests: [
    'id', 'number', 'title', 'description', 'justification', 'type', 'risk', 'risk_score', 'impact', 'status', 'category',
    'requester_id', 'owner_id', 'team_id', 'planned_start', 'planned_end', 'actual_start', 'actual_end', 'implementation_plan',
    'backout_plan', 'test_plan', 'required_approvals', 'submitted_at', 'approved_at', 'closed_at', 'close_notes',
    'custom_fields', 'client_updated_at', 'created_at', 'updated_at', 'created_by', 'updated_by', 'deleted_at'
  ],
  users: ['id', 'name', 'email', 'avatar_url', 'team_id', 'job_title', 'department', 'status', 'available', 'role_keys'],
  teams: ['id', 'name', 'description', 'email', 'lead_id', 'created_at', 'updated_at', 'deleted_at'],
  sla_policies: [
    'id', 'name', 'description', 'conditions', 'targets', 'calendar_id', 'pause_statuses', 'warning_percent', 'escalation',
    'active', 'position', 'created_at', 'updated_at', 'deleted_at'
  ],
  system_settings: ['id', 'key', 'value', 'description', 'updated_at'],
  notifications: [
    'id', 'user_id', 'type', 'title', 'body', 'link', 'actor_id', 'ticket_id', 'change_request_id', 'data', 'read_at',
    'created_at', 'updated_at'
  ]
};

/**
 * Staff keep open tickets plus those closed since the cutoff. The cutoff moves in whole weeks so
 * the definition (and the shape handle) stays the same for a week: at least N days, at most N+7,
 * of closed tickets are kept, and a staff device re-syncs its ticket shape once a week.
 */
export function closedTicketCutoff(ctx: ShapeContext): Date {
  const WEEK = 7 * 86_400_000;
  const now = (ctx.now ?? new Date()).getTime();
  const raw = now - Math.max(0, ctx.closedTicketDays) * 86_400_000;
  // Weeks counted from Monday 1970-01-05 00:00 UTC.
  const monday = Date.UTC(1970, 0, 5);
  return new Date(monday + Math.floor((raw - monday) / WEEK) * WEEK);
}

type Resolver = (actor: ShapeActor, ctx: ShapeContext) => { where: Filter | null; columns?: string[] } | null;

const has = (a: ShapeActor, p: string) => a.permissions.has(p);
const live = isNull('deleted_at');

const RESOLVERS: Record<ShapeName, { table: SyncedTable; resolve: Resolver }> = {
  tickets: {
    table: 'tickets',
    resolve: (a, ctx) => {
      if (has(a, 'tickets.read.all')) return { where: and(live, or(ne('status', 'closed'), gte('closed_at', closedTicketCutoff(ctx)))) };
      if (has(a, 'tickets.read.own')) return { where: and(eq('requester_id', a.id), live) };
      return null;
    }
  },
  ticket_comments: {
    table: 'ticket_comments',
    resolve: (a) => {
      if (has(a, 'tickets.read.all')) return { where: has(a, 'comments.internal') ? live : and(eq('internal', false), live) };
      if (has(a, 'tickets.read.own')) return { where: and(eq('requester_id', a.id), eq('internal', false), live) };
      return null;
    }
  },
  // Attachments follow their comment: requesters see those of public comments on their tickets.
  ticket_attachments: {
    table: 'ticket_attachments',
    resolve: (a) => {
      if (has(a, 'tickets.read.all')) return { where: has(a, 'comments.internal') ? live : and(eq('internal', false), live) };
      if (has(a, 'tickets.read.own')) return { where: and(eq('requester_id', a.id), eq('internal', false), live) };
      return null;
    }
  },
  kb_articles: {
    table: 'kb_articles',
    resolve: (a) => {
      if (has(a, 'kb.read.internal')) return { where: live };
      if (has(a, 'kb.read')) return { where: and(eq('status', 'published'), eq('audience', 'public'), live) };
      return null;
    }
  },
  assets: { table: 'assets', resolve: (a) => (has(a, 'assets.read') ? { where: live } : null) },
  change_requests: { table: 'change_requests', resolve: (a) => (has(a, 'changes.read') ? { where: live } : null) },
  users: {
    table: 'users',
    // Staff see the directory; portal users only themselves.
    resolve: (a) => (has(a, 'users.read') ? { where: and(live, ne('status', 'invited')) } : { where: and(eq('id', a.id), live) })
  },
  teams: { table: 'teams', resolve: () => ({ where: live }) },
  sla_policies: { table: 'sla_policies', resolve: (a) => (has(a, 'tickets.read.all') ? { where: live } : null) },
  settings: { table: 'system_settings', resolve: () => ({ where: and(eq('is_public', true), eq('is_secret', false)) }) },
  notifications: { table: 'notifications', resolve: (a) => ({ where: eq('user_id', a.id) }) }
};

export type ResolveResult = { ok: true; shape: ShapeDefinition } | { ok: false; reason: 'unknown' | 'forbidden' };

/** The definition of shape `name` for this actor, or why there is none. */
export function resolveShape(name: string, actor: ShapeActor, ctx: ShapeContext, replica: Replica = 'default'): ResolveResult {
  if (!isShapeName(name)) return { ok: false, reason: 'unknown' };
  const entry = RESOLVERS[name];
  const r = entry.resolve(actor, ctx);
  if (!r) return { ok: false, reason: 'forbidden' };
  return { ok: true, shape: { name, table: entry.table, columns: r.columns ?? COLUMNS[entry.table], where: r.where, replica } };
}

/** Stable identity of a definition: same identity ⇔ same shape (handle). */
export function shapeIdentity(s: Pick<ShapeDefinition, 'table' | 'columns' | 'where' | 'replica'>): string {
  return JSON.stringify({ t: s.table, c: s.columns, w: filterKey(s.where), r: s.replica });
}

