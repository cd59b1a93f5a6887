import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';
import { setSessionCookies } from '$lib/server/http/cookies';
import { sessionView } from '$lib/server/http/views';

export const POST = handle(ops.login, async ({ event, body }) => {
  const a = await app();
  const session = await a.auth.login(body.email, body.password, {
    ip: event.locals.clientIp,
    userAgent: event.request.headers.get('user-agent'),
    requestId: event.locals.requestId
  });
  setSessionCookies(event.cookies, event.url, session);
  return sessionView(session);
});
