import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.listFailedMail, async ({ ctx }) => (await app()).outbound.listFailed(ctx));
