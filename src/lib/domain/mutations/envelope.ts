// The wire format of POST /api/sync/mutations. The envelope is validated as a whole (a bad one is
// a 400 naming the field); a mutation's name and args are validated one by one, so one bad
// mutation is rejected on its own and the others still run.
import { z } from 'zod';
import type { MutationArgs, MutationName } from './registry';

export const MAX_BATCH = 500;

export const MutationCall = z.object({
  id: z.uuid({ message: 'must be a uuid (the mutation id, stable across retries)' }),
  name: z.string().min(1, 'is required').max(100),
  args: z.unknown(),
  clientTime: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' })
});
export type MutationCall = z.output<typeof MutationCall>;

export const MutationBatch = z
  .object({
    /** One id per outbox (device + browser profile); with the mutation id it makes the idempotency key. */
    clientId: z.uuid({ message: 'must be a uuid identifying this outbox' }),
    mutations: z.array(MutationCall).min(1, 'is empty').max(MAX_BATCH, `has more than ${MAX_BATCH} mutations`)
  })
  .meta({ id: 'MutationBatch' });
export type MutationBatch = z.output<typeof MutationBatch>;

/** A typed mutation, as the client builds it before queueing. */
export interface TypedMutation<N extends MutationName = MutationName> {
  id: string;
  name: N;
  args: MutationArgs<N>;
  clientTime: string;
}

const ErrorField = z.object({
  field: z.string(),
  message: z.string(),
  yours: z.unknown().optional(),
  theirs: z.unknown().optional(),
  base: z.unknown().optional()
});

export const MutationError = z
  .object({
    /** validation | forbidden | not_found | conflict */
    code: z.string(),
    reason: z.string(),
    fields: z.array(ErrorField).optional(),
    /** What the UI may offer: keep_theirs, apply_mine, reopen, follow_up, discard. */
    choices: z.array(z.string()).optional()
  })
  .loose()
  .meta({ id: 'MutationError' });
export type MutationError = z.output<typeof MutationError>;

export const MutationOutcome = z
  .object({
    id: z.uuid(),
    status: z.enum(['applied', 'rejected']),
    /**
     * xid8 mod 2^32 of the applying transaction: the shape stream's `txids` carry the same value, so
     * the client drops its overlay when it sees it. Absent when the mutation changed nothing (someone
     * had made the same change) or was rejected: nothing to wait for.
     */
    txid: z.number().int().optional(),
    result: z.unknown().optional(),
    error: MutationError.optional(),
    /** True when this is the stored outcome of an earlier delivery (nothing ran again). */
    replayed: z.boolean().optional()
  })
  .meta({ id: 'MutationOutcome' });
export type MutationOutcome = z.output<typeof MutationOutcome>;

export const MutationBatchResult = z.object({ results: z.array(MutationOutcome) }).meta({ id: 'MutationBatchResult' });
