import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ticketOps } from '$lib/server/tickets/operations';
import type { ConfigBodies } from '$lib/server/tickets/config-service';

export const GET = handle(ticketOps.listTicketTypes, async ({ ctx }) => (await app()).ticketConfig.list(ctx, 'types'));
export const POST = handle(ticketOps.createTicketTypes, async ({ ctx, body }) => (await app()).ticketConfig.create(ctx, 'types', body as ConfigBodies['types'][0]));
