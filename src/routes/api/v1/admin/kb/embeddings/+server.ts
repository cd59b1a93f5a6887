import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.getEmbeddingProvider, async ({ ctx }) => (await app()).background.embeddings.view(ctx));
export const PUT = handle(ops.updateEmbeddingProvider, async ({ ctx, body }) => (await app()).background.embeddings.update(ctx, body));
