import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.listKbCategories, async ({ ctx }) => ({ items: await (await app()).kb.categories(ctx) }));
export const POST = handle(ops.createKbCategory, async ({ ctx, body }) => (await app()).kb.createCategory(ctx, body));
