import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.getAiConfig, async ({ ctx }) => (await app()).ai.config.view(ctx));
export const PATCH = handle(ops.updateAiConfig, async ({ ctx, body }) => (await app()).ai.config.update(ctx, body));
