import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.getKbVersion, async ({ ctx, params }) => (await app()).kb.version(ctx, params.ref, params.version));
