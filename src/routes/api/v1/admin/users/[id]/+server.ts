import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.getUser, async ({ ctx, params }) => (await app()).users.get(ctx, params.id));
export const PATCH = handle(ops.updateUser, async ({ ctx, params, body }) => (await app()).users.update(ctx, params.id, body));
