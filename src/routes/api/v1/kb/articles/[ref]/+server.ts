import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.getKbArticle, async ({ ctx, params }) => (await app()).kb.get(ctx, params.ref));
export const PATCH = handle(ops.updateKbArticle, async ({ ctx, params, body }) => (await app()).kb.update(ctx, params.ref, body));
export const DELETE = handle(ops.deleteKbArticle, async ({ ctx, params }) => (await app()).kb.remove(ctx, params.ref));
