import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.getAvailability, async ({ ctx }) => (await app()).background.assignment.getAvailability(ctx));
export const PUT = handle(ops.putAvailability, async ({ ctx, body }) => (await app()).background.assignment.setAvailability(ctx, body));
