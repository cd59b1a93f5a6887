// Helpers shared by the lifecycle services: history rows, errors naming the field, visibility,
// settings read through the caller's transaction (PGlite has one connection: never the pool
// inside a transaction).
import type { Insertable, Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { TicketHistoryTable } from '../db/schema-service-desk';
import type { RequestContext } from '../context';
import { AppError } from '$lib/domain/common/errors';
import { can, type Actor } from '$lib/domain/auth/permissions';
import type { MutationTiming } from '$lib/domain/mutations/clock';
import { DEFAULT_PRIORITY_MATRIX, PriorityMatrixSetting, SurveySetting, workflowFrom } from '$lib/domain/tickets/lifecycle';
import { lifecycleRepo } from './lifecycle-repository';

export const isAgent = (a: Actor) => can(a, 'tickets.update');
export const actorId = (ctx: RequestContext) => (ctx.actor.via === 'system' ? null : ctx.actor.id);
const actorType = (a: Actor): NonNullable<Insertable<TicketHistoryTable>['actor_type']> =>
  a.via === 'system' ? 'system' : a.via === 'api_key' ? 'api_key' : isAgent(a) ? 'user' : 'requester';

export const invalid = (field: string, message: string) => new AppError('validation', `${field}: ${message}`, { fields: [{ field, message }] });
export const forbidden = (field: string, message: string) => new AppError('forbidden', `${field}: ${message}`, { fields: [{ field, message }] });
export const notFound = (field = 'id') => new AppError('not_found', `${field}: no such ticket`, { fields: [{ field, message: 'no such ticket' }] });

export function historyRow(
  ticket: { id: string; requester_id: string },
  ctx: RequestContext,
  t: MutationTiming,
  e: { action: string; field?: string | null; from?: unknown; to?: unknown; internal: boolean }
): Insertable<TicketHistoryTable> {
  return {
    ticket_id: ticket.id,
    requester_id: ticket.requester_id,
    internal: e.internal,
    actor_id: actorId(ctx),
    actor_type: actorType(ctx.actor),
    source: ctx.source,
    action: e.action,
    field: e.field ?? null,
    old_value: e.from === undefined ? null : JSON.stringify(e.from),
    new_value: e.to === undefined ? null : JSON.stringify(e.to),
    mutation_id: t.mutationId,
    device_time: t.deviceTime,
    created_by: actorId(ctx),
    updated_by: actorId(ctx)
  };
}

export function tx<T>(db: Kysely<DB>, trx: Kysely<DB> | undefined, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return trx ? fn(trx) : db.transaction().execute(fn);
}

/** The ticket locked for a write, or 404 when the actor may not read it. */
export async function loadVisible(trx: Kysely<DB>, ctx: RequestContext, id: string, field = 'id') {
  const t = await lifecycleRepo.lock(trx, id);
  if (!t || !can(ctx.actor, 'tickets.read', { requesterId: t.requester_id })) throw notFound(field);
  return t;
}
export type LockedTicket = Awaited<ReturnType<typeof loadVisible>>;

export async function readWorkflow(db: Kysely<DB>) {
  return workflowFrom((await lifecycleRepo.setting(db, 'tickets.workflow'))?.value);
}
export async function readMatrix(db: Kysely<DB>) {
  const r = PriorityMatrixSetting.safeParse((await lifecycleRepo.setting(db, 'tickets.priorityMatrix'))?.value);
  return r.success ? r.data : DEFAULT_PRIORITY_MATRIX;
}
export async function readSurvey(db: Kysely<DB>) {
  const r = SurveySetting.safeParse((await lifecycleRepo.setting(db, 'tickets.survey'))?.value);
  return r.success ? r.data : { enabled: true, ttlSeconds: 14 * 86_400 };
}
