import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.getRequesterThread, async ({ params, event }) => (await app()).requesterThread.view(params.token, { ip: event.locals.clientIp }));
