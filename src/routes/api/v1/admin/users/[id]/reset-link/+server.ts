import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';
import { config } from '$lib/server/config';

export const POST = handle(ops.resetLink, async ({ ctx, params, event }) =>
  (await app()).auth.issueResetLink(ctx, params.id, config().OUTPOST_PUBLIC_URL ?? event.url.origin)
);
