import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.listKbVersions, async ({ ctx, params }) => ({ items: await (await app()).kb.versions(ctx, params.ref) }));
