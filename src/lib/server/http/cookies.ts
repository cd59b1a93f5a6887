import type { Cookies } from '@sveltejs/kit';

export const ACCESS_COOKIE = 'outpost_at';
export const REFRESH_COOKIE = 'outpost_rt';

/** Access cookie for every path; refresh cookie only where it is used (/api/auth). */
export function setSessionCookies(cookies: Cookies, url: URL, s: { accessToken: string; accessExpiresAt: Date; refreshToken: string; refreshExpiresAt: Date }) {
  const secure = url.protocol === 'https:';
  cookies.set(ACCESS_COOKIE, s.accessToken, { path: '/', httpOnly: true, sameSite: 'lax', secure, expires: s.accessExpiresAt });
  cookies.set(REFRESH_COOKIE, s.refreshToken, { path: '/api/auth', httpOnly: true, sameSite: 'strict', secure, expires: s.refreshExpiresAt });
}

export function clearSessionCookies(cookies: Cookies, url: URL) {
  const secure = url.protocol === 'https:';
  cookies.delete(ACCESS_COOKIE, { path: '/', secure });
  cookies.delete(REFRESH_COOKIE, { path: '/api/auth', secure });
}
