import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const PATCH = handle(ops.updateSlaPolicy, async ({ ctx, params, body }) => (await app()).sla.updatePolicy(ctx, params.id, body));
export const DELETE = handle(ops.deleteSlaPolicy, async ({ ctx, params }) => (await app()).sla.deletePolicy(ctx, params.id));
