import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const POST = handle(ops.attachKbFiles, async ({ ctx, params, body }) => ({ items: await (await app()).kb.attach(ctx, params.ref, body.fileIds) }));
