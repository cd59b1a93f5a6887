import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const DELETE = handle(ops.detachKbFile, async ({ ctx, params }) => (await app()).kb.detach(ctx, params.ref, params.fileId));
