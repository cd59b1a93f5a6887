import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ticketOps } from '$lib/server/tickets/operations';
import type { ConfigBodies } from '$lib/server/tickets/config-service';

export const PATCH = handle(ticketOps.updateTicketCategories, async ({ ctx, params, body }) => (await app()).ticketConfig.update(ctx, 'categories', (params as { id: string }).id, body as ConfigBodies['categories'][1]));
export const DELETE = handle(ticketOps.deleteTicketCategories, async ({ ctx, params }) => (await app()).ticketConfig.remove(ctx, 'categories', (params as { id: string }).id));
