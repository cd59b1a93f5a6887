import { z } from 'zod';

export const AuditSource = z.enum(['web', 'api', 'email', 'ai', 'sync', 'system']);
export type AuditSource = z.infer<typeof AuditSource>;

export const AuditQuery = z.object({
  entityType: z.string().max(100).optional(),
  entityId: z.string().max(100).optional(),
  action: z.string().max(100).optional(),
  actorId: z.uuid().optional(),
  source: AuditSource.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50)
});

export const AuditEntry = z
  .object({
    id: z.uuid(),
    occurredAt: z.iso.datetime(),
    actor: z.object({ id: z.uuid(), name: z.string(), email: z.string() }).nullable(),
    action: z.string(),
    entityType: z.string(),
    entityId: z.string().nullable(),
    source: AuditSource,
    diff: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })).nullable()
  })
  .meta({ id: 'AuditEntry' });

/** Field-level diff of two flat records; secrets never appear in values. */
export function diffRecords(
  before: Record<string, unknown> | null | undefined,
  after: Record<string, unknown> | null | undefined
): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const k of keys) {
    const a = before?.[k] ?? null;
    const b = after?.[k] ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) out[k] = { from: a, to: b };
  }
  return out;
}
