import { describe, it, expect } from 'vitest';
import { mergeEdits, conflictError, sameValue } from './merge';

describe('mergeEdits (three-way, field by field)', () => {
  const current = { subject: 'Printer jams', priority: 'high', team_id: null, description: null, tags: ['printer', 'floor-2'] };

  it('applies a field whose current value is still the base', () => {
    expect(mergeEdits(current, { priority: 'critical' }, { priority: 'high' })).toEqual({ changes: [{ field: 'priority', from: 'high', to: 'critical' }], conflicts: [] });
  });

  it('merges edits of different fields: only the field someone else changed is compared with its base', () => {
    // Someone else changed the subject; I changed the priority, having seen the old subject too.
    const r = mergeEdits({ ...current, subject: 'Printer jams on floor 2' }, { priority: 'low' }, { priority: 'high' });
    expect(r.conflicts).toEqual([]);
    expect(r.changes).toEqual([{ field: 'priority', from: 'high', to: 'low' }]);
  });

  it('reports a conflict with yours, theirs and base when the field changed underneath', () => {
    const r = mergeEdits(current, { subject: 'Mine', priority: 'low' }, { subject: 'Old subject', priority: 'high' });
    expect(r.conflicts).toEqual([{ field: 'subject', message: expect.any(String), yours: 'Mine', theirs: 'Printer jams', base: 'Old subject' }]);
    expect(r.changes).toEqual([{ field: 'priority', from: 'high', to: 'low' }]);
  });

  it('is no conflict when someone already made the same change', () => {
    expect(mergeEdits(current, { priority: 'high' }, { priority: 'low' })).toEqual({ changes: [], conflicts: [] });
  });

  it('treats empty text and null alike', () => {
    expect(mergeEdits(current, { description: 'Details' }, { description: '' }).changes).toEqual([{ field: 'description', from: null, to: 'Details' }]);
    expect(sameValue('', null)).toBe(true);
    expect(sameValue(undefined, null)).toBe(true);
    expect(sameValue(['a'], ['a'])).toBe(true);
    expect(sameValue(['a'], ['a', 'b'])).toBe(false);
  });

  it('merges sets: my additions and removals apply to the current set, others’ additions survive', () => {
    // I saw [printer, floor-2], removed floor-2 and added urgent; meanwhile someone added hp.
    const r = mergeEdits({ ...current, tags: ['printer', 'floor-2', 'hp'] }, { tags: ['printer', 'urgent'] }, { tags: ['printer', 'floor-2'] }, ['tags']);
    expect(r.conflicts).toEqual([]);
    expect(r.changes).toEqual([{ field: 'tags', from: ['printer', 'floor-2', 'hp'], to: ['printer', 'hp', 'urgent'] }]);
    // Adding a tag someone else already added changes nothing.
    expect(mergeEdits({ tags: ['a', 'b'] }, { tags: ['a', 'b'] }, { tags: ['a'] }, ['tags']).changes).toEqual([]);
  });

  it('builds a rejection naming every contested field', () => {
    const { conflicts } = mergeEdits(current, { subject: 'x', priority: 'low' }, { subject: 'y', priority: 'medium' });
    const e = conflictError(conflicts, 'ticket #7');
    expect(e.code).toBe('conflict');
    expect(e.message).toMatch(/subject, priority on ticket #7/);
    expect(e.details.fields).toHaveLength(2);
    expect(e.details.choices).toEqual(['keep_theirs', 'apply_mine']);
  });
});
