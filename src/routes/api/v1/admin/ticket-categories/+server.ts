import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ticketOps } from '$lib/server/tickets/operations';
import type { ConfigBodies } from '$lib/server/tickets/config-service';

export const GET = handle(ticketOps.listTicketCategories, async ({ ctx }) => (await app()).ticketConfig.list(ctx, 'categories'));
export const POST = handle(ticketOps.createTicketCategories, async ({ ctx, body }) => (await app()).ticketConfig.create(ctx, 'categories', body as ConfigBodies['categories'][0]));
