import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.getAiConversation, async ({ ctx, params }) => (await app()).ai.getConversation(ctx, params.id));
