import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { mutationOps } from '$lib/server/mutations/operation';

export const POST = handle(mutationOps.syncMutations, async ({ ctx, body }) => (await app()).mutations.apply(ctx, body));
