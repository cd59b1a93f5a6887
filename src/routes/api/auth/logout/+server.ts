import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';
import { ACCESS_COOKIE, REFRESH_COOKIE, clearSessionCookies } from '$lib/server/http/cookies';

export const POST = handle(ops.logout, async ({ event }) => {
  const a = await app();
  let family: string | undefined;
  const access = event.cookies.get(ACCESS_COOKIE);
  if (access) {
    const claims = await a.auth.tokens.verifyAccess(access);
    if (claims && claims !== 'expired') family = claims.sid;
  }
  await a.auth.logout(event.cookies.get(REFRESH_COOKIE), family);
  clearSessionCookies(event.cookies, event.url);
});
