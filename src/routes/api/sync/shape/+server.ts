// GET /api/sync/shape?shape=<name>&offset=…&handle=…&live=…&cursor=… — the sync gatekeeper
// (ARCHITECTURE §4). Authenticates, builds the shape definition for this user from the registry
// (the client never sends table, where, params or columns: they are ignored), and serves it from
// the real Electric when ELECTRIC_URL is set, otherwise from the embedded engine.
import type { RequestHandler } from './$types';
import { app } from '$lib/server/app';
import { errorResponse, requireActor } from '$lib/server/http/route';
import { proxyToElectric } from '$sync/server/proxy';

export const GET: RequestHandler = async (event) => {
  try {
    const actor = requireActor(event);
    const a = await app();
    const engine = a.sync;
    const resolved = await engine.resolve(actor, event.url);
    if (!resolved.ok) return resolved.response;
    const electricUrl = a.config.ELECTRIC_URL;
    if (electricUrl) {
      return await proxyToElectric(resolved.shape, event.url, { electricUrl, secret: a.config.ELECTRIC_SECRET, signal: event.request.signal });
    }
    return await engine.serve(resolved.shape, event.url, event.request.signal);
  } catch (err) {
    return errorResponse(err, event.locals.requestId);
  }
};
