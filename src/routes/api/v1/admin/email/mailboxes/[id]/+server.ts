import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const PATCH = handle(ops.updateMailbox, async ({ ctx, params, body }) => (await app()).email.update(ctx, params.id, body));
export const DELETE = handle(ops.deleteMailbox, async ({ ctx, params }) => (await app()).email.remove(ctx, params.id));
