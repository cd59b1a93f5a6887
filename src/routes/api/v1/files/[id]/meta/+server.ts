import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.fileMeta, async ({ ctx, params }) => (await app()).files.meta(ctx, params.id));
