import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ticketOps } from '$lib/server/tickets/operations';
import type { ConfigBodies } from '$lib/server/tickets/config-service';

export const PATCH = handle(ticketOps.updateCustomFields, async ({ ctx, params, body }) => (await app()).ticketConfig.update(ctx, 'fields', (params as { id: string }).id, body as ConfigBodies['fields'][1]));
export const DELETE = handle(ticketOps.deleteCustomFields, async ({ ctx, params }) => (await app()).ticketConfig.remove(ctx, 'fields', (params as { id: string }).id));
