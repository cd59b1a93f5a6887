import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.listSlaPolicies, async ({ ctx }) => (await app()).sla.listPolicies(ctx));
export const POST = handle(ops.createSlaPolicy, async ({ ctx, body }) => (await app()).sla.createPolicy(ctx, body));
