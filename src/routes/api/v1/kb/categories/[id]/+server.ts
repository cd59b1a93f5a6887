import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const PATCH = handle(ops.updateKbCategory, async ({ ctx, params, body }) => (await app()).kb.updateCategory(ctx, params.id, body));
export const DELETE = handle(ops.deleteKbCategory, async ({ ctx, params }) => (await app()).kb.deleteCategory(ctx, params.id));
