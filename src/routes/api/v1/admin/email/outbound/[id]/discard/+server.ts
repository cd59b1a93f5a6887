import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const POST = handle(ops.discardFailedMail, async ({ ctx, params }) => (await app()).outbound.discard(ctx, params.id));
