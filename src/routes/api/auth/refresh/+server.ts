import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';
import { REFRESH_COOKIE, clearSessionCookies, setSessionCookies } from '$lib/server/http/cookies';
import { sessionView } from '$lib/server/http/views';
import { AppError, isAppError } from '$lib/domain/common/errors';

export const POST = handle(ops.refresh, async ({ event }) => {
  const a = await app();
  const token = event.cookies.get(REFRESH_COOKIE);
  if (!token) throw new AppError('unauthenticated', 'No session to refresh; sign in');
  try {
    const session = await a.auth.refresh(token, { ip: event.locals.clientIp, userAgent: event.request.headers.get('user-agent'), requestId: event.locals.requestId });
    setSessionCookies(event.cookies, event.url, session);
    return sessionView(session);
  } catch (e) {
    if (isAppError(e) && e.status === 401) clearSessionCookies(event.cookies, event.url);
    throw e;
  }
});
