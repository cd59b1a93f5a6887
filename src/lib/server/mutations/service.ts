// The write path's server side (ARCHITECTURE §5): runs a batch of outbox mutations in order through
// the domain services and makes every mutation take effect exactly once. Each mutation inserts its
// ledger row (client_id, mutation_id) → result, txid as the last write of its work, in the same
// transaction. The primary key decides: a retry, or a concurrent duplicate (which blocks on the key
// until the first transaction ends), finds the row already there, rolls its own writes back and
// answers with the stored outcome. (Recording last instead of claiming first saves a round trip per
// mutation; a duplicate's work is rolled back.)
//
// Group commit: consecutive mutations of a batch run in ONE transaction (at most GROUP_MAX), so a
// batch of 50 costs two BEGIN/COMMITs (WAL flushes, wakes of the change-log readers) instead of 50.
// The first try is optimistic: no savepoints (a round trip each). If any mutation of the group
// fails (a rejection, a duplicate delivery, an error), the whole group is rolled back and run again
// with a savepoint per mutation, as is the rest of the batch: a rejection then rolls back to its
// savepoint (its effects vanish) and its ledger row is written in the group, so a retry gets the
// same rejection. Mutations of one group share a txid. Outcomes are answered only once their group
// has committed; a group that fails to commit is rolled back whole and the request fails (nothing
// of it happened: the client's retry runs it again).
//
// Ordering: a rejected mutation does not stop the batch. Each later mutation is validated on its
// own against the current state, so one that needed the rejected one (a comment on a ticket whose
// creation failed) is rejected with its own reason; independent ones still apply.
// Unexpected errors (not a rule, not bad data) end the group: it rolls back to that mutation's
// savepoint and commits the ones before it, then the mutation runs again alone in a transaction of
// its own (deadlocks and serialization failures are retried there); if it fails again the request
// fails: mutations before it are committed and recorded, and the client's retry of the batch
// replays them.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { RequestContext } from '../context';
import { mutationsRepo, type LedgerKey } from './repository';
import type { TicketsService } from '../tickets/service';
import type { AssetsService } from '../assets/service';
import type { NotificationsService } from '../notifications/service';
import type { RelationsService } from '../tickets/relations-service';
import type { TicketWorkService } from '../tickets/work-service';
import { AppError, isAppError } from '$lib/domain/common/errors';
import { MUTATIONS, isMutationName, type MutationName, type ParsedMutationArgs } from '$lib/domain/mutations/registry';
import type { MutationBatch, MutationCall, MutationError, MutationOutcome } from '$lib/domain/mutations/envelope';
import { clampDeviceTime, type MutationTiming } from '$lib/domain/mutations/clock';
import { log } from '../log';

export interface MutationServices {
  tickets: TicketsService;
  assets: AssetsService;
  notifications: NotificationsService;
  ticketRelations: RelationsService;
  ticketWork: TicketWorkService;
}

/** A handler's result, and whether it wrote synced rows (if not, there is no txid to wait for). */
interface Ran {
  result: unknown;
  wrote: boolean;
}
type Handlers = {
  [N in MutationName]: (s: MutationServices, ctx: RequestContext, args: ParsedMutationArgs<N>, t: MutationTiming, trx: Kysely<DB>) => Promise<Ran>;
};
const edited = (result: { changed: string[] }): Ran => ({ result, wrote: result.changed.length > 0 });
const changedFlag = (result: { changed: boolean }): Ran => ({ result, wrote: result.changed });

const HANDLERS: Handlers = {
  'ticket.create': async (s, ctx, a, t, trx) => ({ result: await s.tickets.create(ctx, a, t, trx), wrote: true }),
  'ticket.update': async (s, ctx, a, t, trx) => edited(await s.tickets.update(ctx, a, t, trx)),
  'ticket.setStatus': async (s, ctx, a, t, trx) => {
    const result = await s.tickets.setStatus(ctx, a, t, trx);
    if (result.changed && a.status === 'resolved') await s.ticketWork.issueSurvey(trx, ctx, a.id);
    return { result, wrote: result.changed };
  },
  'ticket.assign': async (s, ctx, a, t, trx) => edited(await s.tickets.assign(ctx, a, t, trx)),
  'comment.add': async (s, ctx, a, t, trx) => ({ result: await s.tickets.addComment(ctx, a, t, trx), wrote: true }),
  'asset.update': async (s, ctx, a, t, trx) => edited(await s.assets.update(ctx, a, t, trx)),
  'ticket.link': async (s, ctx, a, t, trx) => changedFlag(await s.ticketRelations.link(ctx, a, t, trx)),
  'ticket.unlink': async (s, ctx, a, t, trx) => changedFlag(await s.ticketRelations.unlink(ctx, a, t, trx)),
  'ticket.setParent': async (s, ctx, a, t, trx) => changedFlag(await s.ticketRelations.setParent(ctx, a, t, trx)),
  'ticket.merge': async (s, ctx, a, t, trx) => ({ result: await s.ticketRelations.merge(ctx, a, t, trx), wrote: true }),
  'time.add': async (s, ctx, a, t, trx) => ({ result: await s.ticketWork.addTimeEntry(ctx, a, t, trx), wrote: true }),
  'macro.apply': async (s, ctx, a, t, trx) => ({ result: await s.ticketWork.applyMacro(ctx, a, t, trx), wrote: true }),
  'notification.markRead': async (s, ctx, a, t, trx) => {
    const result = await s.notifications.markRead(ctx, a, t, trx);
    return { result, wrote: result.marked > 0 };
  }
};

/** A mutation ready to run: its ledger key, timing, parsed arguments and handler. */
interface Prepared {
  m: MutationCall;
  key: LedgerKey;
  t: MutationTiming;
  args: unknown;
  handler: (s: MutationServices, ctx: RequestContext, args: unknown, t: MutationTiming, trx: Kysely<DB>) => Promise<Ran>;
}

/** A committed group: the outcomes, and the mutation it stopped at (to run alone), if any. */
interface GroupOutcome {
  done: MutationOutcome[];
  stoppedAt: MutationCall | null;
}

/** Thrown out of an optimistic group (no savepoints) when a mutation fails: the group is rolled back and run again with savepoints. */
class Restart extends Error {}

/** Thrown to roll back a delivery of a mutation that already has an outcome. */
class AlreadyRecorded extends Error {}

/** Deadlocks and serialization failures are worth another try; nothing was committed. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 3;
/**
 * Mutations per group transaction. Each savepoint that writes takes a subtransaction id; PostgreSQL
 * keeps 64 per backend in shared memory before other sessions' snapshots must consult pg_subtrans
 * (slow), and a group holds its rows' locks until it commits: 32 stays well inside both.
 */
export const GROUP_MAX = 32;

const toError = (e: AppError): MutationError => {
  const { fields, ...rest } = e.details;
  return { code: e.code, reason: e.message, ...(fields ? { fields } : {}), ...rest };
};

/** Bad data the database refused (constraint, type or range): a rejection naming the field, not a 500. */
function dataError(e: unknown): AppError | null {
  const pe = e as { code?: unknown; constraint?: string; column?: string; table?: string };
  if (typeof pe?.code !== 'string' || !/^2[23]/.test(pe.code)) return null;
  const fromConstraint = pe.constraint?.replace(pe.table ? `${pe.table}_` : /^[a-z]+_/, '').replace(/_(fkey|key|check|idx)$/, '');
  const field = pe.column ?? fromConstraint ?? 'args';
  const message =
    pe.code === '23503' ? 'refers to something that does not exist' : pe.code === '23505' ? 'already exists' : pe.code === '23502' ? 'is required' : 'has a value the data rules do not allow';
  return new AppError(pe.code === '23505' ? 'conflict' : 'validation', `${field}: ${message}`, { fields: [{ field, message }] });
}

export class MutationService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly services: MutationServices
  ) {}

  async apply(ctx: RequestContext, batch: MutationBatch): Promise<{ results: MutationOutcome[] }> {
    const sctx: RequestContext = { ...ctx, source: 'sync' };
    const results: MutationOutcome[] = [];
    const ms = batch.mutations;
    let careful = false;
    while (results.length < ms.length) {
      const slice = ms.slice(results.length, results.length + GROUP_MAX);
      let out: GroupOutcome | null = null;
      if (!careful) {
        try {
          out = await this.#group(sctx, batch.clientId, slice, false);
        } catch (e) {
          if (!(e instanceof Restart)) throw e;
          careful = true; // this batch has rejections or duplicates: savepoints from here on
        }
      }
      out ??= await this.#group(sctx, batch.clientId, slice, true);
      results.push(...out.done);
      if (out.stoppedAt) results.push(await this.#one(sctx, batch.clientId, out.stoppedAt));
    }
    return { results };
  }

  /**
   * Runs mutations in one transaction until they are done. `savepoints` false (optimistic): any
   * failure throws Restart, which rolls the whole group back. `savepoints` true: each mutation runs
   * in a savepoint; a rejection rolls back to it and is recorded, and an unexpected failure stops
   * the group there (`stoppedAt`: the caller runs it alone). The outcomes are returned only after
   * the commit.
   */
  async #group(ctx: RequestContext, clientId: string, ms: MutationCall[], savepoints: boolean): Promise<GroupOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const done: MutationOutcome[] = [];
      for (const m of ms) {
        const p = this.#prepare(ctx, clientId, m);
        if ('error' in p) {
          done.push(await this.#reject(ctx, p.key, p.error, trx));
          continue;
        }
        if (savepoints) await sql`savepoint m`.execute(trx);
        try {
          done.push(await this.#run(ctx, p, trx));
        } catch (e) {
          if (!savepoints) throw new Restart();
          await sql`rollback to savepoint m`.execute(trx);
          if (e instanceof AlreadyRecorded) {
            done.push(this.#stored(ctx, m.id, await mutationsRepo.get(trx, clientId, m.id)));
            continue;
          }
          const rule = isAppError(e) ? e : dataError(e);
          if (!rule) return { done, stoppedAt: m };
          done.push(await this.#reject(ctx, p.key, toError(rule), trx));
        }
      }
      return { done, stoppedAt: null };
    });
  }

  /** The ledger key, and the parsed mutation or why it cannot run (unknown name, bad arguments). */
  #prepare(ctx: RequestContext, clientId: string, m: MutationCall): Prepared | { key: LedgerKey; error: MutationError } {
    const serverTime = new Date();
    const clientTime = new Date(m.clientTime);
    const t: MutationTiming = { serverTime, clientTime, deviceTime: clampDeviceTime(clientTime, serverTime), mutationId: m.id };
    const key: LedgerKey = { client_id: clientId, mutation_id: m.id, user_id: ctx.actor.id, name: m.name, client_time: clientTime, device_time: t.deviceTime };
    if (!isMutationName(m.name)) {
      return { key, error: { code: 'validation', reason: `name: "${m.name}" is not a known mutation`, fields: [{ field: 'name', message: 'is not a known mutation' }] } };
    }
    const parsed = MUTATIONS[m.name].args.safeParse(m.args);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => ({ field: ['args', ...i.path.map(String)].join('.'), message: i.message }));
      return { key, error: { code: 'validation', reason: fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields } };
    }
    return { m, key, t, args: parsed.data, handler: HANDLERS[m.name] as Prepared['handler'] };
  }

  /** The mutation's work and its ledger row, in `trx`; AlreadyRecorded when another delivery recorded it first. */
  async #run(ctx: RequestContext, p: Prepared, trx: Kysely<DB>): Promise<MutationOutcome> {
    const { result, wrote } = await p.handler(this.services, ctx, p.args, p.t, trx);
    const recorded = await mutationsRepo.recordApplied(trx, p.key, result, wrote);
    if (!recorded) throw new AlreadyRecorded();
    return { id: p.m.id, status: 'applied', ...(recorded.txid === null ? {} : { txid: recorded.txid }), result };
  }

  /** A mutation alone in its own transaction, retried on deadlock or serialization failure; any other unexpected error fails the request. */
  async #one(ctx: RequestContext, clientId: string, m: MutationCall): Promise<MutationOutcome> {
    const p = this.#prepare(ctx, clientId, m);
    if ('error' in p) return this.#reject(ctx, p.key, p.error);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute((trx) => this.#run(ctx, p, trx));
      } catch (e) {
        if (e instanceof AlreadyRecorded) return this.#stored(ctx, m.id, await mutationsRepo.get(this.db, clientId, m.id));
        const rule = isAppError(e) ? e : dataError(e);
        if (rule) return this.#reject(ctx, p.key, toError(rule));
        const code = (e as { code?: unknown })?.code;
        if (typeof code === 'string' && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) continue;
        log.error('mutation failed', { requestId: ctx.requestId, mutationId: m.id, name: m.name, error: e });
        throw e;
      }
    }
  }

  /**
   * Records the rejection (in the group's transaction, or a short one of its own) unless the
   * mutation already has an outcome (a concurrent delivery won): then that one is the answer.
   */
  async #reject(ctx: RequestContext, key: LedgerKey, error: MutationError, db: Kysely<DB> = this.db): Promise<MutationOutcome> {
    if (await mutationsRepo.reject(db, key, error)) return { id: key.mutation_id, status: 'rejected', error };
    return this.#stored(ctx, key.mutation_id, await mutationsRepo.get(db, key.client_id, key.mutation_id));
  }

  #stored(ctx: RequestContext, id: string, row: Awaited<ReturnType<typeof mutationsRepo.get>>): MutationOutcome {
    if (!row) throw new Error(`mutation ${id} has no ledger row`);
    if (row.user_id !== ctx.actor.id) {
      return { id, status: 'rejected', error: { code: 'forbidden', reason: 'id: this mutation id was already used by another user', fields: [{ field: 'id', message: 'was already used by another user' }] } };
    }
    if (row.status === 'applied') return { id, status: 'applied', ...(row.txid === null ? {} : { txid: Number(row.txid) }), result: row.result ?? undefined, replayed: true };
    return { id, status: 'rejected', error: row.result as MutationError, replayed: true };
  }
}
