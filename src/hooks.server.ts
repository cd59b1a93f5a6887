// Every request: request id, client address, authentication (cookie, Bearer JWT or API key),
// CSRF origin check for cookie-authenticated state changes, security headers, JSON errors on /api.
import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { building } from '$app/environment';
import { startApp, app } from '$lib/server/app';
import { config } from '$lib/server/config';
import { AppError } from '$lib/domain/common/errors';
import { errorResponse } from '$lib/server/http/route';
import { log } from '$lib/server/log';
import type { Actor } from '$lib/domain/auth/permissions';

export const init: ServerInit = async () => {
  // `vite build` prerenders the app shell through this hook: no database then.
  if (!building) await startApp();
};

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const API_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(self), microphone=(), geolocation=(self), payment=()'
};

function expectedOrigin(url: URL): string {
  const pub = config().OUTPOST_PUBLIC_URL;
  return pub ? new URL(pub).origin : url.origin;
}

/** A state change carried by our cookies must come from our own pages. */
function checkCsrf(event: Parameters<Handle>[0]['event'], usesCookies: boolean) {
  if (SAFE.has(event.request.method)) return;
  const origin = event.request.headers.get('origin');
  const expected = expectedOrigin(event.url);
  if (origin && origin !== expected) throw new AppError('csrf', `Cross-site request refused (origin ${origin})`);
  if (!origin && usesCookies) {
    const site = event.request.headers.get('sec-fetch-site');
    if (site !== 'same-origin' && site !== 'none') throw new AppError('csrf', 'Request without an Origin header refused for a cookie session');
  }
}

export const handle: Handle = async ({ event, resolve }) => {
  if (building) return resolve(event);
  const started = performance.now();
  event.locals.requestId = event.request.headers.get('x-request-id')?.slice(0, 100) || crypto.randomUUID();
  event.locals.clientIp = (() => {
    try {
      return event.getClientAddress();
    } catch {
      return null;
    }
  })();
  event.locals.actor = null;
  const isApi = event.url.pathname.startsWith('/api/');

  let response: Response;
  try {
    const a = await app();
    const authz = event.request.headers.get('authorization');
    const bearer = /^Bearer\s+(.+)$/i.exec(authz ?? '')?.[1]?.trim();
    const cookieToken = event.cookies.get('outpost_at');
    const usesCookies = !bearer && (!!cookieToken || !!event.cookies.get('outpost_rt'));
    if (isApi) checkCsrf(event, usesCookies);

    let actor: Actor | 'expired' | null = null;
    if (bearer) {
      actor = bearer.startsWith('op_') ? await a.auth.authenticateApiKey(bearer) : await a.auth.authenticateAccess(bearer, 'bearer');
      if (!actor) event.locals.authError = 'invalid';
    } else if (cookieToken) {
      actor = await a.auth.authenticateAccess(cookieToken, 'cookie');
    }
    if (actor === 'expired') event.locals.authError = 'token_expired';
    else event.locals.actor = actor;

    response = await resolve(event);
  } catch (err) {
    response = errorResponse(err, event.locals.requestId);
  }

  for (const [k, v] of Object.entries(API_HEADERS)) if (!response.headers.has(k)) response.headers.set(k, v);
  if (isApi) {
    if (!response.headers.has('content-security-policy')) response.headers.set('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    if (!response.headers.has('cache-control')) response.headers.set('cache-control', 'no-store');
  }
  response.headers.set('x-request-id', event.locals.requestId);
  if (isApi && event.url.pathname !== '/api/health') {
    log.debug('request', { method: event.request.method, path: event.url.pathname, status: response.status, ms: Math.round(performance.now() - started), requestId: event.locals.requestId });
  }
  return response;
};

export const handleError: HandleServerError = ({ error, event, status }) => {
  if (status !== 404) log.error('unhandled error', { path: event.url.pathname, requestId: event.locals.requestId, error });
  return { message: status === 404 ? 'Not found' : 'Something went wrong on our side', requestId: event.locals.requestId };
};
