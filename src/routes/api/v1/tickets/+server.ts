import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ticketOps } from '$lib/server/tickets/operations';

export const GET = handle(ticketOps.listTickets, async ({ ctx, query }) => (await app()).ticketApi.list(ctx, query));
export const POST = handle(ticketOps.createTicket, async ({ ctx, body }) => (await app()).ticketApi.create(ctx, body));
