import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const POST = handle(ops.submitKbArticle, async ({ ctx, params, body }) => (await app()).kb.transition(ctx, params.ref, 'review', body.note));
