// The ticket service's SLA hook. Every ticket change writes ticket_history rows through the ticket
// service's #history(); that marks the ticket as touched in the current write (AsyncLocalStorage,
// so concurrent requests never mix), and the service's #tx() re-derives the SLA clocks of every
// touched ticket at the end of the write, inside the same transaction, before it commits.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { MutationTiming } from '$lib/domain/mutations/clock';
import { syncTicketSla, timingOf } from './service';

const touched = new AsyncLocalStorage<Map<string, MutationTiming>>();

/** Ticket fields whose change can move an SLA clock (policy conditions, pause/stop, requester). */
const SLA_FIELDS = new Set(['status', 'priority', 'type_id', 'category_id', 'team_id', 'tags', 'requester_id', 'source']);

/**
 * Marks a ticket as changed in the current write (no-op outside slaWrite), when the change can
 * matter to its clocks: creation, a status or condition field, a public comment that may be the
 * first response (`firstResponse: false` from a caller that knows the ticket was answered before:
 * comments reach the clocks only through first_response_at). Other changes (assignee, subject,
 * internal notes, later replies) skip the replay; a breach that fell due meanwhile is recorded by
 * the next relevant change or the breach sweep.
 */
export function slaTouch(ticketId: string, t: MutationTiming, e?: { action: string; field?: string | null; to?: unknown; internal?: boolean; firstResponse?: boolean }) {
  const store = touched.getStore();
  if (!store) return;
  const relevant =
    !e ||
    e.action === 'created' ||
    (e.field != null && SLA_FIELDS.has(e.field)) ||
    (e.action === 'commented' && !(e.to as { internal?: boolean } | undefined)?.internal && e.firstResponse !== false);
  if (relevant) store.set(ticketId, t);
}

/** Can a change of this field move the SLA clocks? */
export const slaRelevantField = (field: string) => SLA_FIELDS.has(field);

/**
 * The write has recorded this ticket's SLA itself (it planned the clocks before its UPDATE and
 * wrote them in the same statement, see TicketsService): no replay at the end for it, unless a
 * later change in the same write touches it again.
 */
export function slaSettled(ticketId: string) {
  touched.getStore()?.delete(ticketId);
}

/** Runs a write and then syncs the SLA clocks of the tickets it touched, in the same transaction. */
export async function slaWrite<T>(trx: Kysely<DB>, fn: () => Promise<T>): Promise<T> {
  if (touched.getStore()) return fn(); // nested write: the outermost one syncs
  const set = new Map<string, MutationTiming>();
  return touched.run(set, async () => {
    const out = await fn();
    for (const [id, t] of set) await syncTicketSla(trx, id, timingOf(t));
    return out;
  });
}
