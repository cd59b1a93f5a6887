// The shape gatekeeper (ARCHITECTURE §4), shared by `GET /api/sync/shape` and the live requests
// multiplexed over `/ws` (sync/server/mux.ts): the registry builds the definition for this actor
// (the client contributes protocol parameters only), then the real Electric serves it when
// ELECTRIC_URL is set, otherwise the embedded engine.
import type { Actor } from '$lib/domain/auth/permissions';
import { proxyToElectric } from '$sync/server/proxy';
import { toResponse, type ShapeReply } from '$sync/server/engine';
import type { App } from '../app';

export async function serveShape(a: App, actor: Actor, url: URL, signal?: AbortSignal): Promise<Response> {
  const r = await replyShape(a, actor, url, signal);
  return r instanceof Response ? r : toResponse(r);
}

/** The same, keeping the embedded engine's answer as a plain reply (the `/ws` mux sends it as is). */
export async function replyShape(a: App, actor: Actor, url: URL, signal?: AbortSignal): Promise<Response | ShapeReply> {
  const resolved = await a.sync.resolve(actor, url);
  if (!resolved.ok) return resolved.response;
  const electricUrl = a.config.ELECTRIC_URL;
  if (electricUrl) return proxyToElectric(resolved.shape, url, { electricUrl, secret: a.config.ELECTRIC_SECRET, signal });
  return a.sync.reply(resolved.shape, url, signal);
}
