import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.listKbArticles, async ({ ctx, query }) => (await app()).kb.list(ctx, query));
export const POST = handle(ops.createKbArticle, async ({ ctx, body }) => (await app()).kb.create(ctx, body));
