import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const POST = handle(ops.replyRequesterThread, async ({ params, body, event }) => (await app()).requesterThread.reply(params.token, body, { ip: event.locals.clientIp }));
