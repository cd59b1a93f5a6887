// Three-way merge of field edits made offline (ARCHITECTURE §5). Each edited field carries the
// value the user saw (`base`). For one field, with `current` the value on the server now:
//   current = yours            → nothing to do (someone made the same change)
//   current = base             → take yours
//   otherwise                  → conflict: someone else changed it; yours, theirs and base go back
// Set-valued fields (tags) never conflict: what the user added and removed relative to base is
// applied to the current set, so concurrent additions from others survive.
import { z } from 'zod';
import { AppError, type FieldIssue } from '../common/errors';

export interface ConflictField extends FieldIssue {
  yours: unknown;
  theirs: unknown;
  base: unknown;
}

export const conflictField = (field: string, message: string, v: { yours: unknown; theirs: unknown; base: unknown }): ConflictField => ({ field, message, ...v });

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** What the UI may offer for a rejected mutation. */
export type ConflictChoice = 'keep_theirs' | 'apply_mine' | 'reopen' | 'follow_up' | 'discard';

/** Arguments of an edit mutation: `{ id, set: { field: new }, base: { field: seen } }`, every set field with its base. */
export function fieldEdit<S extends z.ZodRawShape, B extends z.ZodRawShape>(set: z.ZodObject<S>, base: z.ZodObject<B>) {
  return z
    .object({ id: z.uuid(), set: set.partial().strict(), base: base.partial() })
    .superRefine((v, ctx) => {
      const keys = Object.keys(v.set);
      if (!keys.length) ctx.addIssue({ code: 'custom', path: ['set'], message: 'names no field to change' });
      for (const k of keys) {
        if (!Object.hasOwn(v.base, k)) ctx.addIssue({ code: 'custom', path: ['base', k], message: 'is required: the value you saw before editing' });
      }
    });
}

/** Empty text and absent values compare equal to null: a client may render one as the other. */
const norm = (v: unknown) => (v === undefined || v === '' ? null : v);

export function sameValue(a: unknown, b: unknown): boolean {
  const x = norm(a);
  const y = norm(b);
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => sameValue(v, y[i]));
  if (x instanceof Date && y instanceof Date) return x.getTime() === y.getTime();
  return x === y;
}

function mergeSet(current: unknown, yours: unknown, base: unknown): unknown[] {
  const cur = Array.isArray(current) ? current : [];
  const mine = Array.isArray(yours) ? yours : [];
  const seen = Array.isArray(base) ? base : [];
  const added = mine.filter((x) => !seen.includes(x));
  const removed = seen.filter((x) => !mine.includes(x));
  return [...cur.filter((x) => !removed.includes(x)), ...added.filter((x) => !cur.includes(x))];
}

export function mergeEdits(
  current: Record<string, unknown>,
  set: Record<string, unknown>,
  base: Record<string, unknown>,
  setFields: readonly string[] = []
): { changes: FieldChange[]; conflicts: ConflictField[] } {
  const changes: FieldChange[] = [];
  const conflicts: ConflictField[] = [];
  for (const [field, yours] of Object.entries(set)) {
    const theirs = current[field];
    if (setFields.includes(field)) {
      const next = mergeSet(theirs, yours, base[field]);
      if (!sameValue(next, theirs)) changes.push({ field, from: theirs ?? [], to: next });
      continue;
    }
    if (sameValue(theirs, yours)) continue;
    if (sameValue(theirs, base[field])) changes.push({ field, from: norm(theirs), to: yours });
    else conflicts.push({ field, message: 'was changed by someone else since you saw it', yours, theirs: norm(theirs), base: norm(base[field]) });
  }
  return { changes, conflicts };
}

/** The rejection for edits that collided: nothing of the mutation is applied, every contested field is listed. */
export function conflictError(conflicts: ConflictField[], what = 'this record'): AppError {
  const names = conflicts.map((c) => c.field).join(', ');
  return new AppError('conflict', `Someone else changed ${names} on ${what} while you were editing; choose which value to keep`, {
    fields: conflicts,
    choices: ['keep_theirs', 'apply_mine'] satisfies ConflictChoice[]
  });
}
