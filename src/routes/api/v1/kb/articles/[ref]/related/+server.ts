import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.relatedKbArticles, async ({ ctx, params, query }) => ({ items: await (await app()).kb.related(ctx, params.ref, query.limit) }));
