// Ticket lifecycle rules beyond the status workflow: the configurable workflow setting, priority
// from impact × urgency, custom field validation, link kinds, merge rules and macro actions.
// Pure: settings and rows come in as values.
import { z } from 'zod';
import { TICKET_STATUSES, Priority, TicketStatus, Tags } from './schemas';
import { DEFAULT_WORKFLOW, type Workflow } from './workflow';

// ─── Workflow (setting `tickets.workflow`) ───────────────────────────────────────────────────
const StatusList = z.array(TicketStatus).transform((l) => [...new Set(l)]);
export const WorkflowSetting = z
  .object({
    transitions: z.object(Object.fromEntries(TICKET_STATUSES.map((s) => [s, StatusList])) as Record<TicketStatus, typeof StatusList>),
    requesterTransitions: z.partialRecord(TicketStatus, StatusList).default({}),
    reopenFrom: z.array(TicketStatus).default(['resolved', 'closed'])
  })
  .superRefine((wf, ctx) => {
    for (const [from, to] of Object.entries(wf.transitions)) {
      if (to.includes(from as TicketStatus)) ctx.addIssue({ code: 'custom', path: ['transitions', from], message: 'may not list its own status' });
    }
    // Every status must stay reachable from new, or tickets could never get there.
    const seen = new Set<TicketStatus>(['new']);
    const queue: TicketStatus[] = ['new'];
    while (queue.length) {
      for (const n of wf.transitions[queue.shift()!]) {
        if (seen.has(n)) continue;
        seen.add(n);
        queue.push(n);
      }
    }
    for (const s of TICKET_STATUSES) if (!seen.has(s)) ctx.addIssue({ code: 'custom', path: ['transitions'], message: `leaves ${s} unreachable from new` });
    for (const [from, to] of Object.entries(wf.requesterTransitions)) {
      for (const s of to ?? []) {
        if (!wf.transitions[from as TicketStatus].includes(s)) ctx.addIssue({ code: 'custom', path: ['requesterTransitions', from], message: `allows ${from} → ${s}, which agents may not make` });
      }
    }
  });

/** The workflow a stored setting describes; a missing or broken one falls back to the default. */
export function workflowFrom(value: unknown): Workflow {
  const r = WorkflowSetting.safeParse(value);
  return r.success ? (r.data as Workflow) : DEFAULT_WORKFLOW;
}

// ─── Priority matrix (setting `tickets.priorityMatrix`) ─────────────────────────────────────
export const LEVELS = ['low', 'medium', 'high'] as const;
export const Level = z.enum(LEVELS);
export type Level = z.infer<typeof Level>;
const Row = z.object({ low: Priority, medium: Priority, high: Priority });
export const PriorityMatrixSetting = z.object({ enabled: z.boolean(), matrix: z.object({ low: Row, medium: Row, high: Row }) });
export type PriorityMatrixSetting = z.infer<typeof PriorityMatrixSetting>;

export const DEFAULT_PRIORITY_MATRIX: PriorityMatrixSetting = {
  enabled: true,
  matrix: {
    high: { high: 'critical', medium: 'high', low: 'medium' },
    medium: { high: 'high', medium: 'medium', low: 'low' },
    low: { high: 'medium', medium: 'low', low: 'low' }
  }
};

/** Priority for impact (row) × urgency (column), or null when the matrix is off. */
export function priorityFromMatrix(m: PriorityMatrixSetting, impact: Level, urgency: Level): Priority | null {
  return m.enabled ? m.matrix[impact][urgency] : null;
}

/** The priority a new ticket gets: explicit, else the matrix (when impact or urgency is given), else the type's default, else medium. */
export function initialPriority(o: { priority?: Priority; impact?: Level; urgency?: Level; typeDefault?: Priority | null; matrix: PriorityMatrixSetting }): Priority {
  if (o.priority) return o.priority;
  if (o.impact || o.urgency) {
    const p = priorityFromMatrix(o.matrix, o.impact ?? 'medium', o.urgency ?? 'medium');
    if (p) return p;
  }
  return o.typeDefault ?? 'medium';
}

// ─── Survey setting ─────────────────────────────────────────────────────────────────────────
export const SurveySetting = z.object({ enabled: z.boolean(), ttlSeconds: z.number().int().min(1).max(90 * 86_400) });
export type SurveySetting = z.infer<typeof SurveySetting>;

// ─── Custom fields ──────────────────────────────────────────────────────────────────────────
export const CUSTOM_FIELD_TYPES = ['text', 'number', 'select', 'date'] as const;
export const CustomFieldType = z.enum(CUSTOM_FIELD_TYPES);
export type CustomFieldType = z.infer<typeof CustomFieldType>;

export interface CustomFieldDef {
  key: string;
  label: string;
  type: string;
  options: unknown;
  required_for_type_ids: string[];
  type_ids: string[];
  active: boolean;
}

export interface FieldProblem {
  field: string;
  message: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (s: string) => ISO_DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

function selectValues(options: unknown): string[] {
  return Array.isArray(options) ? options.map((o) => (typeof o === 'string' ? o : (o as { value?: unknown })?.value)).filter((v): v is string => typeof v === 'string') : [];
}
function numberBounds(options: unknown): { min?: number; max?: number } {
  return options && typeof options === 'object' && !Array.isArray(options) ? (options as { min?: number; max?: number }) : {};
}

/** One value against its definition: the normalised value, or why it is refused. null clears. */
export function checkCustomValue(def: CustomFieldDef, value: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  if (value === null || value === '') return { ok: true, value: null };
  switch (def.type) {
    case 'text':
    case 'textarea':
      if (typeof value !== 'string') return { ok: false, message: 'must be text' };
      if (value.length > 10_000) return { ok: false, message: 'is longer than 10,000 characters' };
      return { ok: true, value: value.trim() || null };
    case 'number': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) return { ok: false, message: 'must be a number' };
      const { min, max } = numberBounds(def.options);
      if (typeof min === 'number' && n < min) return { ok: false, message: `must be at least ${min}` };
      if (typeof max === 'number' && n > max) return { ok: false, message: `must be at most ${max}` };
      return { ok: true, value: n };
    }
    case 'select': {
      const allowed = selectValues(def.options);
      if (typeof value !== 'string' || !allowed.includes(value)) return { ok: false, message: `must be one of: ${allowed.join(', ')}` };
      return { ok: true, value };
    }
    case 'date':
      if (typeof value !== 'string' || !validDate(value)) return { ok: false, message: 'must be a date (YYYY-MM-DD)' };
      return { ok: true, value };
    case 'boolean':
      if (typeof value !== 'boolean') return { ok: false, message: 'must be true or false' };
      return { ok: true, value };
    default:
      return { ok: false, message: `has an unsupported type ${def.type}` };
  }
}

/**
 * Validates a ticket's custom fields after a change: `patch` (what the caller sends) laid over
 * `current`, checked against the active definitions for `typeId`. Unknown keys and values of the
 * wrong type are refused; a field required for the ticket's type must have a value. Problems name
 * the field as `custom_fields.<key>`.
 */
export function validateCustomFields(defs: CustomFieldDef[], typeId: string | null, current: Record<string, unknown>, patch: Record<string, unknown>) {
  const problems: FieldProblem[] = [];
  const active = defs.filter((d) => d.active);
  const byKey = new Map(active.map((d) => [d.key, d]));
  const next: Record<string, unknown> = { ...current };
  for (const [key, raw] of Object.entries(patch)) {
    const def = byKey.get(key);
    if (!def) {
      problems.push({ field: `custom_fields.${key}`, message: 'is not a custom field' });
      continue;
    }
    if (def.type_ids.length && (!typeId || !def.type_ids.includes(typeId))) {
      problems.push({ field: `custom_fields.${key}`, message: 'does not apply to this ticket type' });
      continue;
    }
    const r = checkCustomValue(def, raw);
    if (!r.ok) problems.push({ field: `custom_fields.${key}`, message: r.message });
    else if (r.value === null) delete next[key];
    else next[key] = r.value;
  }
  if (typeId) {
    for (const d of active) {
      if (d.required_for_type_ids.includes(typeId) && (next[d.key] === undefined || next[d.key] === null) && !problems.some((p) => p.field === `custom_fields.${d.key}`)) {
        problems.push({ field: `custom_fields.${d.key}`, message: `is required for this ticket type (${d.label})` });
      }
    }
  }
  return { value: next, problems };
}

// ─── Links ──────────────────────────────────────────────────────────────────────────────────
/** API names of ticket↔ticket links → the stored kind (migration 0002). */
export const LINK_KINDS = { relates: 'related', duplicates: 'duplicate_of', blocks: 'blocks' } as const;
export const LinkKind = z.enum(['relates', 'duplicates', 'blocks']);
export type LinkKind = z.infer<typeof LinkKind>;
export const STORED_TO_LINK: Record<string, LinkKind> = { related: 'relates', duplicate_of: 'duplicates', blocks: 'blocks' };

/** Whether setting `parentId` as the parent of `childId` would make a cycle, given each ticket's parent. */
export function wouldCycle(childId: string, parentId: string, parentOf: (id: string) => string | null | undefined, maxDepth = 100): boolean {
  let cur: string | null | undefined = parentId;
  for (let i = 0; cur && i < maxDepth; i++) {
    if (cur === childId) return true;
    cur = parentOf(cur);
  }
  return false;
}

// ─── Merge ──────────────────────────────────────────────────────────────────────────────────
export interface MergeTicket {
  id: string;
  number: number | string;
  status: string;
  merged_into_id: string | null;
  requester_id: string;
}

/** Why `source` may not be merged into `target`, or null when it may. */
export function mergeRefusal(source: MergeTicket, target: MergeTicket): FieldProblem | null {
  if (source.id === target.id) return { field: 'target_id', message: 'a ticket cannot be merged into itself' };
  if (source.merged_into_id) return { field: 'id', message: `was already merged into another ticket` };
  if (target.merged_into_id) return { field: 'target_id', message: `was itself merged into another ticket; merge into that one` };
  if (source.status === 'closed') return { field: 'id', message: 'is closed; reopen it before merging' };
  if (target.status === 'closed') return { field: 'target_id', message: 'is closed; reopen it or pick another ticket' };
  return null;
}

/**
 * Links after a merge: every link of the source is re-pointed at the target; links that would
 * point the target at itself (source↔target) vanish and duplicates of a link the target already
 * has collapse. Returns the links to keep as (kind, other ticket) pairs from the target's side.
 */
export function mergedLinks(
  sourceId: string,
  targetId: string,
  links: { ticket_id: string; linked_ticket_id: string | null; kind: string }[]
): { ticket_id: string; linked_ticket_id: string; kind: string }[] {
  const out = new Map<string, { ticket_id: string; linked_ticket_id: string; kind: string }>();
  for (const l of links) {
    if (!l.linked_ticket_id) continue;
    const from = l.ticket_id === sourceId ? targetId : l.ticket_id;
    const to = l.linked_ticket_id === sourceId ? targetId : l.linked_ticket_id;
    if (from === to) continue;
    out.set(`${from}|${l.kind}|${to}`, { ticket_id: from, linked_ticket_id: to, kind: l.kind });
  }
  return [...out.values()];
}

// ─── Macros ─────────────────────────────────────────────────────────────────────────────────
export const MacroActions = z
  .object({
    status: TicketStatus.optional(),
    priority: Priority.optional(),
    team_id: z.uuid().nullable().optional(),
    assignee_id: z.uuid().nullable().optional(),
    type_id: z.uuid().nullable().optional(),
    category_id: z.uuid().nullable().optional(),
    tags_add: Tags.optional(),
    tags_remove: Tags.optional()
  })
  .strict();
export type MacroActions = z.output<typeof MacroActions>;

/** The tag list after a macro's additions and removals. */
export function applyTagActions(tags: string[], a: Pick<MacroActions, 'tags_add' | 'tags_remove'>): string[] {
  const removed = new Set(a.tags_remove ?? []);
  const out = tags.filter((t) => !removed.has(t));
  for (const t of a.tags_add ?? []) if (!out.includes(t)) out.push(t);
  return out;
}

/** Inserts placeholders into a canned text: {{ticket.number}}, {{ticket.subject}}, {{requester.name}}, {{agent.name}}. */
export function renderCanned(body: string, vars: Record<string, string | number | null | undefined>): string {
  return body.replace(/\{\{\s*([a-z_.]+)\s*\}\}/g, (whole, name: string) => (vars[name] === undefined || vars[name] === null ? whole : String(vars[name])));
}
