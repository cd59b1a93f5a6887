import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.diffKbVersions, async ({ ctx, params, query }) => (await app()).kb.diff(ctx, params.ref, query.from, query.to));
