import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ticketOps } from '$lib/server/tickets/operations';
import type { ConfigBodies } from '$lib/server/tickets/config-service';

export const PATCH = handle(ticketOps.updateTicketTypes, async ({ ctx, params, body }) => (await app()).ticketConfig.update(ctx, 'types', (params as { id: string }).id, body as ConfigBodies['types'][1]));
export const DELETE = handle(ticketOps.deleteTicketTypes, async ({ ctx, params }) => (await app()).ticketConfig.remove(ctx, 'types', (params as { id: string }).id));
