import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const POST = handle(ops.archiveKbArticle, async ({ ctx, params, body }) => (await app()).kb.transition(ctx, params.ref, 'archived', body.note));
