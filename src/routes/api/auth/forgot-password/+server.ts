import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const POST = handle(ops.forgotPassword, async ({ event, body }) => {
  const a = await app();
  await a.auth.requestReset(body.email, { ip: event.locals.clientIp, userAgent: event.request.headers.get('user-agent'), requestId: event.locals.requestId });
  return { accepted: true };
});
