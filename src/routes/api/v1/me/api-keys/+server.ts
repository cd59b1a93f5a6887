import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.listApiKeys, async ({ ctx }) => ({ items: await (await app()).auth.listApiKeys(ctx) }));
export const POST = handle(ops.createApiKey, async ({ ctx, body }) => (await app()).auth.createApiKey(ctx, body.name, body.expiresInDays));
