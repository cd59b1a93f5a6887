// Schemas of the ticket REST API (/api/v1/tickets), the lifecycle mutations and the admin
// configuration (types, categories, custom fields, canned responses). Field names follow the AI
// tool of the spec: subject, description, priority = low|medium|high|critical.
import { z } from 'zod';
import { Subject, Description, Priority, TicketStatus, Tags, ResolutionCode, ClientId, PRIORITIES, TICKET_STATUSES } from './schemas';
import { Level, LinkKind, MacroActions, CustomFieldType } from './lifecycle';

const csv = <T extends z.ZodType>(item: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(item).max(20, 'has more than 20 values') as unknown as z.ZodType<z.output<T>[], string[]>);

export const TICKET_SORTS = ['created_at', '-created_at', 'updated_at', '-updated_at', 'priority', '-priority', 'number', '-number'] as const;

export const TicketListQuery = z.object({
  status: csv(TicketStatus).optional(),
  priority: csv(Priority).optional(),
  /** An agent's id, `me`, or `none` (unassigned). */
  assignee_id: z.union([z.uuid(), z.enum(['me', 'none'])]).optional(),
  team_id: z.union([z.uuid(), z.literal('none')]).optional(),
  requester_id: z.union([z.uuid(), z.literal('me')]).optional(),
  /** A type key (e.g. `incident`) or id. */
  type: z.string().trim().min(1).max(60).optional(),
  category: z.uuid().optional(),
  tag: z.string().trim().toLowerCase().min(1).max(50).optional(),
  /** Full-text search over subject and description. */
  q: z.string().trim().min(1).max(200).optional(),
  sort: z.enum(TICKET_SORTS).default('-created_at'),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50)
});
export type TicketListQuery = z.output<typeof TicketListQuery>;

const CustomFieldValues = z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'is not a custom field key'), z.unknown());

export const TicketCreateBody = z
  .object({
    subject: Subject,
    description: Description.optional(),
    priority: Priority.optional(),
    impact: Level.optional(),
    urgency: Level.optional(),
    /** A type key (e.g. `incident`) or id. */
    type: z.string().trim().min(1).max(60).optional(),
    category: z.uuid().optional(),
    tags: Tags.optional(),
    custom_fields: CustomFieldValues.optional(),
    assignee_id: z.uuid().optional(),
    team_id: z.uuid().optional(),
    requester_id: z.uuid().optional(),
    parent_id: z.uuid().optional()
  })
  .strict()
  .meta({ id: 'TicketCreate' });
export type TicketCreateBody = z.output<typeof TicketCreateBody>;

export const TicketPatchBody = z
  .object({
    subject: Subject,
    description: Description.nullable(),
    priority: Priority,
    impact: Level,
    urgency: Level,
    status: TicketStatus,
    waiting_reason: z.string().trim().min(1).max(100).nullable(),
    resolution_code: ResolutionCode,
    resolution_notes: z.string().max(100_000).nullable(),
    assignee_id: z.uuid().nullable(),
    team_id: z.uuid().nullable(),
    type: z.string().trim().min(1).max(60).nullable(),
    category: z.uuid().nullable(),
    tags: Tags,
    /** Merged into the current values; null clears a field. */
    custom_fields: CustomFieldValues,
    parent_id: z.uuid().nullable()
  })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'names no field to change', path: ['body'] })
  .meta({ id: 'TicketPatch' });
export type TicketPatchBody = z.output<typeof TicketPatchBody>;

export const TicketIdParam = z.object({ id: z.uuid({ message: 'must be a ticket id (uuid)' }) });

export const TicketView = z
  .object({
    id: z.uuid(),
    number: z.number(),
    subject: z.string(),
    description: z.string().nullable(),
    status: z.enum(TICKET_STATUSES),
    priority: z.enum(PRIORITIES),
    impact: Level,
    urgency: Level,
    type_id: z.uuid().nullable(),
    type: z.string().nullable(),
    category_id: z.uuid().nullable(),
    category: z.string().nullable(),
    tags: z.array(z.string()),
    custom_fields: z.record(z.string(), z.unknown()),
    requester_id: z.uuid(),
    assignee_id: z.uuid().nullable(),
    team_id: z.uuid().nullable(),
    source: z.string(),
    parent_id: z.uuid().nullable(),
    merged_into_id: z.uuid().nullable(),
    waiting_reason: z.string().nullable(),
    resolution_code: z.string().nullable(),
    satisfaction_rating: z.number().nullable(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    resolved_at: z.iso.datetime().nullable(),
    closed_at: z.iso.datetime().nullable()
  })
  .meta({ id: 'Ticket' });
export type TicketView = z.output<typeof TicketView>;

const CommentView = z.object({
  id: z.uuid(),
  author_id: z.uuid().nullable(),
  author_type: z.string(),
  internal: z.boolean(),
  body: z.string(),
  source: z.string(),
  created_at: z.iso.datetime()
});
const LinkView = z.object({ id: z.uuid(), kind: LinkKind, direction: z.enum(['outgoing', 'incoming']), ticket_id: z.uuid(), number: z.number(), subject: z.string(), status: z.string() });
const HistoryView = z.object({
  action: z.string(),
  field: z.string().nullable(),
  old_value: z.unknown(),
  new_value: z.unknown(),
  actor_id: z.uuid().nullable(),
  source: z.string(),
  device_time: z.iso.datetime().nullable(),
  created_at: z.iso.datetime()
});
const TimeEntryView = z.object({ id: z.uuid(), agent_id: z.uuid(), agent_name: z.string().nullable(), minutes: z.number(), note: z.string().nullable(), work_date: z.string(), created_at: z.iso.datetime() });

export const TicketDetail = TicketView.extend({
  comments: z.array(CommentView),
  links: z.array(LinkView),
  children: z.array(z.object({ id: z.uuid(), number: z.number(), subject: z.string(), status: z.string() })),
  history: z.array(HistoryView),
  /** Agents only. */
  time: z.object({ total_minutes: z.number(), entries: z.array(TimeEntryView) }).optional()
}).meta({ id: 'TicketDetail' });

export const TicketPage = z.object({ items: z.array(TicketView), nextCursor: z.string().nullable() }).meta({ id: 'TicketPage' });

// ─── Lifecycle mutations (also REST bodies) ─────────────────────────────────────────────────
export const TicketLinkArgs = z.object({ id: z.uuid(), target_id: z.uuid(), kind: LinkKind });
export const TicketUnlinkArgs = TicketLinkArgs;
/** Parent/child: `parent_id` null detaches. */
export const TicketSetParentArgs = z.object({ id: z.uuid(), parent_id: z.uuid().nullable() });
export const TicketMergeArgs = z.object({ id: z.uuid(), target_id: z.uuid(), note: z.string().trim().max(2000).optional() });
export const TimeEntryAddArgs = z.object({
  id: ClientId,
  ticket_id: z.uuid(),
  minutes: z.number().int().min(1, 'must be at least 1 minute').max(10_000),
  note: z.string().trim().max(2000).nullable().optional(),
  work_date: z.iso.date().optional()
});
export const MacroApplyArgs = z.object({
  ticket_id: z.uuid(),
  macro_id: z.uuid(),
  /** Id of the comment the macro's text becomes (client-generated, so the client can show it at once). */
  comment_id: ClientId.optional()
});
export type TicketLinkArgs = z.output<typeof TicketLinkArgs>;
export type TicketSetParentArgs = z.output<typeof TicketSetParentArgs>;
export type TicketMergeArgs = z.output<typeof TicketMergeArgs>;
export type TimeEntryAddArgs = z.output<typeof TimeEntryAddArgs>;
export type MacroApplyArgs = z.output<typeof MacroApplyArgs>;

// ─── Survey ─────────────────────────────────────────────────────────────────────────────────
export const SurveyTokenParam = z.object({ token: z.string().min(10).max(500) });
export const SurveyAnswerBody = z.object({ rating: z.number().int().min(1, 'must be 1 to 5').max(5, 'must be 1 to 5'), comment: z.string().trim().max(5000).optional() }).strict();
export const SurveyView = z.object({ ticket_number: z.number(), subject: z.string(), answered: z.boolean(), expires_at: z.iso.datetime() }).meta({ id: 'Survey' });
export const SurveyLink = z.object({ url: z.string(), token: z.string(), expires_at: z.iso.datetime() }).meta({ id: 'SurveyLink' });

// ─── Admin configuration ────────────────────────────────────────────────────────────────────
const Key = z.string().trim().regex(/^[a-z][a-z0-9_]*$/, 'use lowercase letters, digits and _ (starting with a letter)').max(60);
const Name = z.string().trim().min(1, 'is required').max(120);
export const IdParam = z.object({ id: z.uuid() });

const TicketTypeFields = z.object({
  key: Key,
  name: Name,
  description: z.string().max(2000).nullable(),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #3b82f6').nullable(),
  default_priority: Priority,
  portal_visible: z.boolean(),
  position: z.number().int().min(0).max(10_000),
  active: z.boolean()
});
export const TicketTypeBody = TicketTypeFields.extend({
  description: TicketTypeFields.shape.description.optional(),
  color: TicketTypeFields.shape.color.optional(),
  default_priority: Priority.default('medium'),
  portal_visible: z.boolean().default(true),
  position: TicketTypeFields.shape.position.default(0),
  active: z.boolean().default(true)
}).strict();
/** No defaults in patches (zod 4 applies defaults inside optional): absent means unchanged. */
export const TicketTypePatch = TicketTypeFields.partial().strict();
export const TicketTypeView = z.object({ id: z.uuid(), key: z.string(), name: z.string(), description: z.string().nullable(), color: z.string().nullable(), default_priority: z.string(), portal_visible: z.boolean(), position: z.number(), active: z.boolean() }).meta({ id: 'TicketType' });

const CategoryFields = z.object({
  name: Name,
  parent_id: z.uuid().nullable(),
  description: z.string().max(2000).nullable(),
  default_team_id: z.uuid().nullable(),
  portal_visible: z.boolean(),
  position: z.number().int().min(0).max(10_000),
  active: z.boolean()
});
export const CategoryBody = CategoryFields.extend({
  parent_id: CategoryFields.shape.parent_id.optional(),
  description: CategoryFields.shape.description.optional(),
  default_team_id: CategoryFields.shape.default_team_id.optional(),
  portal_visible: z.boolean().default(true),
  position: CategoryFields.shape.position.default(0),
  active: z.boolean().default(true)
}).strict();
export const CategoryPatch = CategoryFields.partial().strict();
export const CategoryView = z.object({ id: z.uuid(), name: z.string(), parent_id: z.uuid().nullable(), description: z.string().nullable(), default_team_id: z.uuid().nullable(), portal_visible: z.boolean(), position: z.number(), active: z.boolean() }).meta({ id: 'TicketCategory' });

const SelectOption = z.object({ value: z.string().trim().min(1).max(100), label: z.string().trim().min(1).max(200) });
export const CustomFieldBody = z
  .object({
    key: Key,
    label: Name,
    description: z.string().max(2000).nullable().optional(),
    type: CustomFieldType,
    options: z.union([z.array(SelectOption).max(200), z.object({ min: z.number().optional(), max: z.number().optional() }).strict()]).default([]),
    required_for_type_ids: z.array(z.uuid()).max(50).default([]),
    type_ids: z.array(z.uuid()).max(50).default([]),
    portal_visible: z.boolean().default(false),
    position: z.number().int().min(0).max(10_000).default(0),
    active: z.boolean().default(true)
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.type === 'select' && (!Array.isArray(b.options) || b.options.length === 0)) ctx.addIssue({ code: 'custom', path: ['options'], message: 'a select field needs at least one option' });
    if (b.type !== 'select' && Array.isArray(b.options) && b.options.length) ctx.addIssue({ code: 'custom', path: ['options'], message: `a ${b.type} field has no options` });
  });
export const CustomFieldPatch = z
  .object({
    label: Name,
    description: z.string().max(2000).nullable(),
    options: z.union([z.array(SelectOption).max(200), z.object({ min: z.number().optional(), max: z.number().optional() }).strict()]),
    required_for_type_ids: z.array(z.uuid()).max(50),
    type_ids: z.array(z.uuid()).max(50),
    portal_visible: z.boolean(),
    position: z.number().int().min(0).max(10_000),
    active: z.boolean()
  })
  .partial()
  .strict();
export const CustomFieldView = z
  .object({ id: z.uuid(), key: z.string(), label: z.string(), description: z.string().nullable(), type: z.string(), options: z.unknown(), required_for_type_ids: z.array(z.uuid()), type_ids: z.array(z.uuid()), portal_visible: z.boolean(), position: z.number(), active: z.boolean() })
  .meta({ id: 'CustomField' });

export const CannedResponseBody = z
  .object({
    title: Name,
    body: z.string().max(100_000).default(''),
    internal: z.boolean().default(false),
    actions: MacroActions.default({}),
    position: z.number().int().min(0).max(10_000).default(0),
    active: z.boolean().default(true)
  })
  .strict();
export const CannedResponsePatch = z
  .object({ title: Name, body: z.string().max(100_000), internal: z.boolean(), actions: MacroActions, position: z.number().int().min(0).max(10_000), active: z.boolean() })
  .partial()
  .strict();
export const CannedResponseView = z
  .object({ id: z.uuid(), title: z.string(), body: z.string(), internal: z.boolean(), actions: z.record(z.string(), z.unknown()), position: z.number(), active: z.boolean() })
  .meta({ id: 'CannedResponse' });
