import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';
import { ACCESS_COOKIE, REFRESH_COOKIE, clearSessionCookies } from '$lib/server/http/cookies';

export const POST = handle(ops.logout, async ({ event }) => {
  // A cookie session, or the session of a Bearer access token (API keys have no session to end).
  const bearer = /^Bearer (.+)$/i.exec(event.request.headers.get('authorization') ?? '')?.[1];
  const access = event.cookies.get(ACCESS_COOKIE) ?? (bearer && !bearer.startsWith('op_') ? bearer : undefined);
  await (await app()).auth.logout(event.cookies.get(REFRESH_COOKIE), access);
  clearSessionCookies(event.cookies, event.url);
});
