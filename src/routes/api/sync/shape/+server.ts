// GET /api/sync/shape?shape=<name>&offset=…&handle=…&live=…&cursor=… — the sync gatekeeper
// (ARCHITECTURE §4). Authenticates, builds the shape definition for this user from the registry
// (the client never sends table, where, params or columns: they are ignored), and serves it from
// the real Electric when ELECTRIC_URL is set, otherwise from the embedded engine. Live requests
// may also arrive over `/ws` (sync/server/mux.ts), answered by the same serveShape().
import type { RequestHandler } from './$types';
import { app } from '$lib/server/app';
import { errorResponse, requireActor } from '$lib/server/http/route';
import { serveShape } from '$lib/server/sync/gatekeeper';

export const GET: RequestHandler = async (event) => {
  try {
    const actor = requireActor(event);
    return await serveShape(await app(), actor, event.url, event.request.signal);
  } catch (err) {
    return errorResponse(err, event.locals.requestId);
  }
};
