import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';
import { ACCESS_COOKIE, REFRESH_COOKIE, clearSessionCookies } from '$lib/server/http/cookies';

export const POST = handle(ops.logout, async ({ event }) => {
  await (await app()).auth.logout(event.cookies.get(REFRESH_COOKIE), event.cookies.get(ACCESS_COOKIE));
  clearSessionCookies(event.cookies, event.url);
});
