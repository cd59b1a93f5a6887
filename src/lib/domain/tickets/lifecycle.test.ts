import { describe, it, expect } from 'vitest';
import {
  WorkflowSetting,
  workflowFrom,
  priorityFromMatrix,
  initialPriority,
  DEFAULT_PRIORITY_MATRIX,
  validateCustomFields,
  checkCustomValue,
  mergeRefusal,
  mergedLinks,
  wouldCycle,
  applyTagActions,
  renderCanned,
  MacroActions,
  type CustomFieldDef
} from './lifecycle';
import { checkTransition, DEFAULT_WORKFLOW } from './workflow';
import { TicketPatchBody, TicketListQuery, CustomFieldBody } from './api';

describe('configurable workflow', () => {
  it('accepts the default and lets a setting allow a move the default refuses', () => {
    expect(WorkflowSetting.safeParse(DEFAULT_WORKFLOW).success).toBe(true);
    const wf = workflowFrom({ ...DEFAULT_WORKFLOW, transitions: { ...DEFAULT_WORKFLOW.transitions, new: ['in_progress', 'resolved'] } });
    expect(checkTransition('new', 'resolved', 'agent').ok).toBe(false);
    expect(checkTransition('new', 'resolved', 'agent', wf).ok).toBe(true);
  });

  it('refuses a workflow with self-loops, unreachable statuses or requester moves agents cannot make', () => {
    const t = DEFAULT_WORKFLOW.transitions;
    const paths = (v: unknown) => WorkflowSetting.safeParse(v).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(paths({ ...DEFAULT_WORKFLOW, transitions: { ...t, waiting: ['waiting', 'in_progress'] } })).toEqual(['transitions.waiting: may not list its own status']);
    expect(paths({ ...DEFAULT_WORKFLOW, transitions: { ...t, in_progress: ['resolved'], waiting: ['in_progress'] } })).toEqual(['transitions: leaves waiting unreachable from new']);
    expect(paths({ ...DEFAULT_WORKFLOW, requesterTransitions: { new: ['closed'] } })).toEqual(['requesterTransitions.new: allows new → closed, which agents may not make']);
  });

  it('falls back to the default when the stored value is broken', () => {
    expect(workflowFrom({ transitions: 'nope' })).toBe(DEFAULT_WORKFLOW);
    expect(workflowFrom(undefined)).toBe(DEFAULT_WORKFLOW);
  });
});

describe('impact × urgency', () => {
  it('reads the matrix by impact row and urgency column', () => {
    expect(priorityFromMatrix(DEFAULT_PRIORITY_MATRIX, 'high', 'high')).toBe('critical');
    expect(priorityFromMatrix(DEFAULT_PRIORITY_MATRIX, 'high', 'low')).toBe('medium');
    expect(priorityFromMatrix(DEFAULT_PRIORITY_MATRIX, 'low', 'high')).toBe('medium');
    expect(priorityFromMatrix(DEFAULT_PRIORITY_MATRIX, 'low', 'low')).toBe('low');
    expect(priorityFromMatrix({ ...DEFAULT_PRIORITY_MATRIX, enabled: false }, 'high', 'high')).toBeNull();
  });

  it('explicit priority wins, then the matrix, then the type default, then medium', () => {
    const m = DEFAULT_PRIORITY_MATRIX;
    expect(initialPriority({ priority: 'low', impact: 'high', urgency: 'high', matrix: m })).toBe('low');
    expect(initialPriority({ impact: 'high', urgency: 'medium', typeDefault: 'low', matrix: m })).toBe('high');
    expect(initialPriority({ urgency: 'high', matrix: m })).toBe('high');
    expect(initialPriority({ typeDefault: 'low', matrix: m })).toBe('low');
    expect(initialPriority({ impact: 'high', urgency: 'high', typeDefault: 'low', matrix: { ...m, enabled: false } })).toBe('low');
    expect(initialPriority({ matrix: m })).toBe('medium');
  });
});

describe('custom fields', () => {
  const INC = '0195b3a0-1c2d-7e4f-8a6b-000000000001';
  const REQ = '0195b3a0-1c2d-7e4f-8a6b-000000000002';
  const def = (o: Partial<CustomFieldDef> & Pick<CustomFieldDef, 'key' | 'type'>): CustomFieldDef => ({ label: o.key, options: [], required_for_type_ids: [], type_ids: [], active: true, ...o });
  const defs = [
    def({ key: 'site', type: 'select', options: [{ value: 'hq', label: 'HQ' }, { value: 'plant', label: 'Plant' }], required_for_type_ids: [INC] }),
    def({ key: 'cost', type: 'number', options: { min: 0, max: 1000 } }),
    def({ key: 'due', type: 'date' }),
    def({ key: 'notes', type: 'text' }),
    def({ key: 'asset', type: 'text', type_ids: [REQ] }),
    def({ key: 'old', type: 'text', active: false })
  ];

  it('checks each type and normalises numbers and empty values', () => {
    expect(checkCustomValue(defs[1], '12.5')).toEqual({ ok: true, value: 12.5 });
    expect(checkCustomValue(defs[1], 'x')).toEqual({ ok: false, message: 'must be a number' });
    expect(checkCustomValue(defs[1], 5000)).toEqual({ ok: false, message: 'must be at most 1000' });
    expect(checkCustomValue(defs[2], '2026-02-30')).toEqual({ ok: false, message: 'must be a date (YYYY-MM-DD)' });
    expect(checkCustomValue(defs[2], '2026-02-28')).toEqual({ ok: true, value: '2026-02-28' });
    expect(checkCustomValue(defs[0], 'moon')).toEqual({ ok: false, message: 'must be one of: hq, plant' });
    expect(checkCustomValue(defs[3], 42)).toEqual({ ok: false, message: 'must be text' });
    expect(checkCustomValue(defs[3], '')).toEqual({ ok: true, value: null });
  });

  it('names every bad field, refuses unknown and inactive keys and fields of other types, and requires per type', () => {
    const r = validateCustomFields(defs, INC, {}, { cost: -1, nope: 1, old: 'x', asset: 'LT-1' });
    expect(r.problems).toEqual([
      { field: 'custom_fields.cost', message: 'must be at least 0' },
      { field: 'custom_fields.nope', message: 'is not a custom field' },
      { field: 'custom_fields.old', message: 'is not a custom field' },
      { field: 'custom_fields.asset', message: 'does not apply to this ticket type' },
      { field: 'custom_fields.site', message: 'is required for this ticket type (site)' }
    ]);
  });

  it('merges into the current values; null clears; a required value already present is enough', () => {
    const r = validateCustomFields(defs, INC, { site: 'hq', notes: 'a' }, { notes: null, cost: '7' });
    expect(r.problems).toEqual([]);
    expect(r.value).toEqual({ site: 'hq', cost: 7 });
    expect(validateCustomFields(defs, INC, { site: 'hq' }, { site: null }).problems).toEqual([{ field: 'custom_fields.site', message: 'is required for this ticket type (site)' }]);
    expect(validateCustomFields(defs, null, {}, {}).problems).toEqual([]);
  });

  it('definition schema: a select needs options, other types have none', () => {
    expect(CustomFieldBody.safeParse({ key: 'site', label: 'Site', type: 'select' }).error?.issues[0].path).toEqual(['options']);
    expect(CustomFieldBody.safeParse({ key: 'n', label: 'N', type: 'number', options: [{ value: 'a', label: 'A' }] }).success).toBe(false);
    expect(CustomFieldBody.safeParse({ key: 'Bad Key', label: 'N', type: 'text' }).error?.issues[0].path).toEqual(['key']);
  });
});

describe('merge rules', () => {
  const t = (id: string, o: Partial<{ status: string; merged_into_id: string | null }> = {}) => ({ id, number: 1, status: 'in_progress', merged_into_id: null, requester_id: 'u', ...o });
  it('refuses self, already merged, merged targets and closed tickets, naming the field', () => {
    expect(mergeRefusal(t('a'), t('a'))?.field).toBe('target_id');
    expect(mergeRefusal(t('a', { merged_into_id: 'c' }), t('b'))?.field).toBe('id');
    expect(mergeRefusal(t('a'), t('b', { merged_into_id: 'c' }))?.field).toBe('target_id');
    expect(mergeRefusal(t('a', { status: 'closed' }), t('b'))?.field).toBe('id');
    expect(mergeRefusal(t('a'), t('b', { status: 'closed' }))?.field).toBe('target_id');
    expect(mergeRefusal(t('a', { status: 'resolved' }), t('b', { status: 'waiting' }))).toBeNull();
  });

  it('re-points links at the target, drops source↔target links and collapses duplicates', () => {
    const links = [
      { ticket_id: 'S', linked_ticket_id: 'X', kind: 'related' },
      { ticket_id: 'Y', linked_ticket_id: 'S', kind: 'blocks' },
      { ticket_id: 'S', linked_ticket_id: 'T', kind: 'related' },
      { ticket_id: 'T', linked_ticket_id: 'X', kind: 'related' },
      { ticket_id: 'S', linked_ticket_id: null, kind: 'affects_asset' }
    ];
    expect(mergedLinks('S', 'T', links)).toEqual([
      { ticket_id: 'T', linked_ticket_id: 'X', kind: 'related' },
      { ticket_id: 'Y', linked_ticket_id: 'T', kind: 'blocks' }
    ]);
  });
});

describe('parent/child', () => {
  it('detects cycles up the parent chain', () => {
    const parent: Record<string, string | null> = { b: 'a', c: 'b', a: null };
    expect(wouldCycle('a', 'c', (id) => parent[id])).toBe(true);
    expect(wouldCycle('d', 'c', (id) => parent[id])).toBe(false);
    expect(wouldCycle('a', 'a', (id) => parent[id])).toBe(true);
  });
});

describe('macros', () => {
  it('adds and removes tags as a set and fills placeholders', () => {
    expect(applyTagActions(['vpn', 'old'], MacroActions.parse({ tags_add: ['New', 'vpn'], tags_remove: ['old'] }))).toEqual(['vpn', 'new']);
    expect(renderCanned('Hi {{requester.name}}, #{{ticket.number}} {{unknown}}', { 'requester.name': 'Ana', 'ticket.number': 1042 })).toBe('Hi Ana, #1042 {{unknown}}');
    expect(MacroActions.safeParse({ status: 'done' }).error?.issues[0].path).toEqual(['status']);
    expect(MacroActions.safeParse({ delete_everything: true }).success).toBe(false);
  });
});

describe('REST schemas', () => {
  it('names the bad field of a patch and refuses an empty one', () => {
    expect(TicketPatchBody.safeParse({ priority: 'urgent' }).error?.issues[0].path).toEqual(['priority']);
    expect(TicketPatchBody.safeParse({}).error?.issues[0].path).toEqual(['body']);
    expect(TicketPatchBody.safeParse({ number: 5 }).success).toBe(false);
  });
  it('takes list filters as comma lists or repeats', () => {
    const q = TicketListQuery.parse({ status: ['new,in_progress', 'waiting'], priority: 'high', limit: '10' });
    expect(q.status).toEqual(['new', 'in_progress', 'waiting']);
    expect(q.priority).toEqual(['high']);
    expect(q.limit).toBe(10);
    expect(q.sort).toBe('-created_at');
    expect(TicketListQuery.safeParse({ status: 'open' }).error?.issues[0].path).toEqual(['status', 0]);
  });
});

describe('admin patches', () => {
  it('leave absent fields out (no defaults sneak into a patch)', async () => {
    const { TicketTypePatch, CategoryPatch, CannedResponsePatch } = await import('./api');
    expect(TicketTypePatch.parse({ name: 'HW' })).toEqual({ name: 'HW' });
    expect(CategoryPatch.parse({ active: false })).toEqual({ active: false });
    expect(CannedResponsePatch.parse({ title: 'x' })).toEqual({ title: 'x' });
  });
});
