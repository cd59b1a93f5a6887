import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.listAiConversations, async ({ ctx }) => (await app()).ai.listConversations(ctx));
export const POST = handle(ops.createAiConversation, async ({ ctx, body }) => (await app()).ai.createConversation(ctx, body.title));
