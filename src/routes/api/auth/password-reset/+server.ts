import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const POST = handle(ops.resetPassword, async ({ event, body }) => {
  const a = await app();
  await a.auth.resetPassword(body.token, body.password, { ip: event.locals.clientIp, userAgent: event.request.headers.get('user-agent'), requestId: event.locals.requestId });
});
