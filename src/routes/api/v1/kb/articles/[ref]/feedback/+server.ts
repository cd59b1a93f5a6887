import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const PUT = handle(ops.putKbFeedback, async ({ ctx, params, body }) => (await app()).kb.feedback(ctx, params.ref, body.helpful));
