import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const POST = handle(ops.testEmbeddingProvider, async ({ ctx, body }) => (await app()).background.embeddings.test(ctx, body));
