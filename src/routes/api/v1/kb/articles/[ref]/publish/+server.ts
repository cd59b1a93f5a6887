import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const POST = handle(ops.publishKbArticle, async ({ ctx, params, body }) => (await app()).kb.transition(ctx, params.ref, 'published', body.note));
