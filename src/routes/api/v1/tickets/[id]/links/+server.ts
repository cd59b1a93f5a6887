import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ticketOps } from '$lib/server/tickets/operations';
import { onlineTiming } from '$lib/domain/mutations/clock';

export const POST = handle(ticketOps.linkTicket, async ({ ctx, params, body }) => (await app()).ticketRelations.link(ctx, { id: params.id, ...body }, onlineTiming()));
export const DELETE = handle(ticketOps.unlinkTicket, async ({ ctx, params, query }) => (await app()).ticketRelations.unlink(ctx, { id: params.id, ...query }, onlineTiming()));
