// The mutation endpoint's operation (schemas, auth) for the route and the OpenAPI document.
import { op } from '../http/route';
import { MutationBatch, MutationBatchResult } from '$lib/domain/mutations/envelope';
import { MUTATIONS } from '$lib/domain/mutations/registry';

const names = Object.values(MUTATIONS)
  .map((m) => `\`${m.name}\` (${m.summary})`)
  .join('; ');

export const mutationOps = {
  syncMutations: op({
    id: 'syncMutations',
    method: 'POST',
    path: '/api/sync/mutations',
    summary:
      'Run a batch of outbox mutations in order, each exactly once (a retried mutation returns its stored outcome). ' +
      'Per mutation: applied with the txid the shape stream will carry, or rejected with a reason (conflicts list yours/theirs/base per field). ' +
      `Mutations: ${names}.`,
    tags: ['sync'],
    auth: 'authenticated',
    body: MutationBatch,
    response: MutationBatchResult,
    errors: [400, 401, 413]
  })
};
