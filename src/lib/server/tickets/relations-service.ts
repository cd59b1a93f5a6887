// Ticket relations: links (relates, duplicates, blocks), parent/child and merge. Agents only.
// Every change writes history on both tickets and an audit entry, in the caller's transaction
// when given (the mutation endpoint) or its own.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { RequestContext } from '../context';
import { lifecycleRepo } from './lifecycle-repository';
import { ticketsRepo } from './repository';
import type { TicketsService } from './service';
import { recordAudit } from '../audit/service';
import { AppError } from '$lib/domain/common/errors';
import type { MutationTiming } from '$lib/domain/mutations/clock';
import { LINK_KINDS, mergeRefusal, mergedLinks, wouldCycle } from '$lib/domain/tickets/lifecycle';
import type { TicketLinkArgs, TicketMergeArgs, TicketSetParentArgs } from '$lib/domain/tickets/api';
import { actorId, historyRow, invalid, isAgent, loadVisible, tx } from './lifecycle-common';

const requireAgent = (ctx: RequestContext, what: string) => {
  if (!isAgent(ctx.actor)) throw new AppError('forbidden', `You may not ${what}`);
};

export class RelationsService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly tickets: TicketsService
  ) {}

  /** Links two tickets; linking what is already linked changes nothing. */
  async link(ctx: RequestContext, a: TicketLinkArgs, t: MutationTiming, trx?: Kysely<DB>) {
    requireAgent(ctx, 'link tickets');
    if (a.id === a.target_id) throw invalid('target_id', 'a ticket cannot be linked to itself');
    return tx(this.db, trx, async (trx) => {
      const [x, y] = await this.#both(trx, ctx, a.id, a.target_id);
      const kind = LINK_KINDS[a.kind];
      // relates is symmetric: stored once, whichever side made it first.
      if (a.kind === 'relates' && (await lifecycleRepo.links(trx, a.id)).some((l) => l.kind === 'related' && l.other_id === a.target_id)) return { id: a.id, changed: false };
      const row = await lifecycleRepo.insertLink(trx, { ticket_id: x.id, linked_ticket_id: y.id, kind, created_by: actorId(ctx) });
      if (!row) return { id: a.id, changed: false };
      await ticketsRepo.insertHistory(trx, [
        historyRow(x, ctx, t, { action: 'linked', field: 'links', to: { kind: a.kind, ticket_id: y.id, number: Number(y.number) }, internal: true }),
        historyRow(y, ctx, t, { action: 'linked', field: 'links', to: { kind: a.kind, ticket_id: x.id, number: Number(x.number), incoming: true }, internal: true })
      ]);
      await recordAudit(trx, ctx, { action: 'ticket.link', entityType: 'ticket', entityId: x.id, after: { kind: a.kind, target: y.id } });
      return { id: a.id, changed: true, link_id: row.id };
    });
  }

  async unlink(ctx: RequestContext, a: TicketLinkArgs, t: MutationTiming, trx?: Kysely<DB>) {
    requireAgent(ctx, 'unlink tickets');
    return tx(this.db, trx, async (trx) => {
      const [x, y] = await this.#both(trx, ctx, a.id, a.target_id);
      const gone = await lifecycleRepo.deleteLink(trx, x.id, y.id, LINK_KINDS[a.kind], a.kind === 'relates');
      if (!gone.length) return { id: a.id, changed: false };
      await ticketsRepo.insertHistory(trx, [
        historyRow(x, ctx, t, { action: 'unlinked', field: 'links', from: { kind: a.kind, ticket_id: y.id }, internal: true }),
        historyRow(y, ctx, t, { action: 'unlinked', field: 'links', from: { kind: a.kind, ticket_id: x.id, incoming: true }, internal: true })
      ]);
      await recordAudit(trx, ctx, { action: 'ticket.unlink', entityType: 'ticket', entityId: x.id, before: { kind: a.kind, target: y.id } });
      return { id: a.id, changed: true };
    });
  }

  /** Makes `parent_id` the parent of `id` (null detaches); a cycle is refused. */
  async setParent(ctx: RequestContext, a: TicketSetParentArgs, t: MutationTiming, trx?: Kysely<DB>) {
    requireAgent(ctx, 'change parent tickets');
    return tx(this.db, trx, async (trx) => {
      const child = await loadVisible(trx, ctx, a.id);
      if (child.parent_id === a.parent_id) return { id: a.id, changed: false };
      if (a.parent_id) {
        if (a.parent_id === a.id) throw invalid('parent_id', 'a ticket cannot be its own parent');
        const parent = await loadVisible(trx, ctx, a.parent_id, 'parent_id');
        // Walk up from the new parent (at most 100 levels); meeting the child would close a loop.
        const chain = new Map<string, string | null>([[parent.id, parent.parent_id]]);
        for (let cur = parent.parent_id, i = 0; cur && i < 100; i++) {
          const p = (await lifecycleRepo.parentOf(trx, cur))?.parent_id ?? null;
          chain.set(cur, p);
          cur = p;
        }
        if (wouldCycle(a.id, a.parent_id, (id) => chain.get(id))) throw invalid('parent_id', 'would make the ticket its own ancestor');
      }
      await ticketsRepo.update(trx, a.id, { parent_id: a.parent_id, updated_by: actorId(ctx), updated_at: t.serverTime, client_updated_at: t.deviceTime });
      await ticketsRepo.insertHistory(trx, [historyRow(child, ctx, t, { action: 'updated', field: 'parent_id', from: child.parent_id, to: a.parent_id, internal: true })]);
      await recordAudit(trx, ctx, { action: 'ticket.parent', entityType: 'ticket', entityId: a.id, before: { parent_id: child.parent_id }, after: { parent_id: a.parent_id } });
      return { id: a.id, changed: true };
    });
  }

  /**
   * Merges ticket `id` into `target_id`: comments, attachments, time entries, children and links
   * move to the target; the source closes as a duplicate with merged_into_id set; both tickets
   * get history. Tickets are locked in id order so two opposite merges cannot deadlock.
   */
  async merge(ctx: RequestContext, a: TicketMergeArgs, t: MutationTiming, trx?: Kysely<DB>) {
    requireAgent(ctx, 'merge tickets');
    if (a.id === a.target_id) throw invalid('target_id', 'a ticket cannot be merged into itself');
    return tx(this.db, trx, async (trx) => {
      const [src, dst] = await this.#both(trx, ctx, a.id, a.target_id);
      const refusal = mergeRefusal({ ...src, number: String(src.number) }, { ...dst, number: String(dst.number) });
      if (refusal) throw new AppError(refusal.field === 'id' || refusal.message.includes('closed') ? 'conflict' : 'validation', `${refusal.field}: ${refusal.message}`, { fields: [refusal] });
      const moved = await lifecycleRepo.moveConversation(trx, src.id, dst.id);
      const links = await lifecycleRepo.allTicketLinks(trx, src.id);
      await lifecycleRepo.deleteLinksOf(trx, src.id);
      const keep = mergedLinks(src.id, dst.id, links);
      for (const l of keep) await lifecycleRepo.insertLink(trx, { ...l, kind: l.kind as 'related', created_by: actorId(ctx) });
      await lifecycleRepo.insertLink(trx, { ticket_id: src.id, linked_ticket_id: dst.id, kind: 'duplicate_of', note: a.note ?? null, created_by: actorId(ctx) });
      // The source closes through the ticket service's status path (history, SLA clocks stop).
      await this.tickets.closeMerged(ctx, src, dst, a.note ?? null, t, trx);
      await ticketsRepo.update(trx, dst.id, { last_activity_at: t.serverTime, updated_by: actorId(ctx), updated_at: t.serverTime });
      await ticketsRepo.insertHistory(trx, [
        historyRow(dst, ctx, t, { action: 'merged', field: 'merged_from', to: { ticket_id: src.id, number: Number(src.number), ...moved, links: keep.length }, internal: false })
      ]);
      await recordAudit(trx, ctx, { action: 'ticket.merge', entityType: 'ticket', entityId: src.id, before: { status: src.status }, after: { merged_into_id: dst.id, ...moved } });
      return { id: src.id, target_id: dst.id, moved: { ...moved, links: keep.length } };
    });
  }

  /** Both tickets locked in id order; 404 naming the field for one the actor may not see. */
  async #both(trx: Kysely<DB>, ctx: RequestContext, id: string, targetId: string) {
    if (id < targetId) {
      const x = await loadVisible(trx, ctx, id);
      return [x, await loadVisible(trx, ctx, targetId, 'target_id')] as const;
    }
    const y = await loadVisible(trx, ctx, targetId, 'target_id');
    return [await loadVisible(trx, ctx, id), y] as const;
  }
}
