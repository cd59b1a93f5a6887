import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const DELETE = handle(ops.revokeApiKey, async ({ ctx, params }) => {
  await (await app()).auth.revokeApiKey(ctx, params.id);
});
