import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ticketOps } from '$lib/server/tickets/operations';
import { onlineTiming } from '$lib/domain/mutations/clock';

export const POST = handle(ticketOps.mergeTicket, async ({ ctx, params, body }) => (await app()).ticketRelations.merge(ctx, { id: params.id, ...body }, onlineTiming()));
