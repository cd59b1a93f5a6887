import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const POST = handle(ops.postAiMessage, async ({ ctx, params, body }) => (await app()).ai.postMessage(ctx, params.id, body));
