import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';
import { config } from '$lib/server/config';

export const GET = handle(ops.listUsers, async ({ ctx, query }) => (await app()).users.list(ctx, query));
export const POST = handle(ops.createUser, async ({ ctx, body, event }) =>
  (await app()).users.create(ctx, body, config().OUTPOST_PUBLIC_URL ?? event.url.origin)
);
