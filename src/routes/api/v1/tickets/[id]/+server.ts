import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ticketOps } from '$lib/server/tickets/operations';

export const GET = handle(ticketOps.getTicket, async ({ ctx, params }) => (await app()).ticketApi.get(ctx, params.id));
export const PATCH = handle(ticketOps.patchTicket, async ({ ctx, params, body }) => (await app()).ticketApi.patch(ctx, params.id, body));
