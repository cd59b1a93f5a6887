// Every write through a service records who did what to which entity, from which channel, with a
// field-level diff. Called inside the writer's transaction so the log and the change commit together.
import type { Insertable, Kysely } from 'kysely';
import type { AuditLogsTable, DB } from '../db/schema';
import type { RequestContext } from '../context';
import { auditRepo } from './repository';
import { diffRecords } from '$lib/domain/audit/schemas';
import { AppError } from '$lib/domain/common/errors';
import { can } from '$lib/domain/auth/permissions';
import { redact } from '../log';

export interface AuditInput {
  action: string;
  entityType: string;
  entityId?: string | null;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

const plain = (v: Record<string, unknown> | null | undefined) =>
  v ? (JSON.parse(JSON.stringify(redact(v))) as Record<string, unknown>) : null;

export async function recordAudit(db: Kysely<DB>, ctx: RequestContext, input: AuditInput) {
  await auditRepo.insert(db, auditRow(ctx, input));
}

/** The audit_logs row recordAudit writes, for a caller that inserts it with other rows in one statement. */
export function auditRow(ctx: RequestContext, input: AuditInput): Insertable<AuditLogsTable> {
  const before = plain(input.before);
  const after = plain(input.after);
  const isSystem = ctx.actor.via === 'system';
  return {
    actor_id: isSystem ? null : ctx.actor.id,
    actor_type: isSystem ? 'system' : ctx.actor.via === 'api_key' ? 'api_key' : 'user',
    action: input.action,
    entity_type: input.entityType,
    entity_id: input.entityId ?? null,
    source: ctx.source,
    before: before === null ? null : JSON.stringify(before),
    after: after === null ? null : JSON.stringify(after),
    diff: JSON.stringify(diffRecords(before, after)),
    ip: ctx.ip ?? null,
    user_agent: ctx.userAgent?.slice(0, 400) ?? null,
    request_id: ctx.requestId ?? null,
    created_by: isSystem ? null : ctx.actor.id
  };
}

const encodeCursor = (d: Date, id: string) => Buffer.from(`${d.toISOString()}|${id}`).toString('base64url');
function decodeCursor(c: string) {
  const [iso, id] = Buffer.from(c, 'base64url').toString().split('|');
  const occurredAt = new Date(iso);
  if (!id || Number.isNaN(occurredAt.getTime())) throw new AppError('validation', 'cursor: is not a valid cursor', { fields: [{ field: 'cursor', message: 'is not a valid cursor' }] });
  return { occurredAt, id };
}

export async function listAudit(
  db: Kysely<DB>,
  ctx: RequestContext,
  q: { entityType?: string; entityId?: string; action?: string; actorId?: string; source?: string; cursor?: string; limit: number }
) {
  if (!can(ctx.actor, 'audit.read')) throw new AppError('forbidden', 'You may not read the audit log');
  const rows = await auditRepo.list(db, { ...q, before: q.cursor ? decodeCursor(q.cursor) : undefined, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      id: r.id,
      occurredAt: r.occurred_at.toISOString(),
      actor: r.actor_id ? { id: r.actor_id, name: r.actor_name ?? '', email: r.actor_email ?? '' } : null,
      action: r.action,
      entityType: r.entity_type,
      entityId: r.entity_id,
      source: r.source,
      diff: (r.diff as Record<string, { from: unknown; to: unknown }>) ?? null
    })),
    nextCursor: rows.length > q.limit && last ? encodeCursor(last.occurred_at, last.id) : null
  };
}
