import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.aiStatus, async ({ ctx }) => (await app()).ai.status(ctx.actor));
