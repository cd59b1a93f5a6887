import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.aiSearch, async ({ ctx, query }) => (await app()).ai.searchKb(ctx, query.q, query.limit));
