import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ticketOps } from '$lib/server/tickets/operations';
import { onlineTiming } from '$lib/domain/mutations/clock';

export const POST = handle(ticketOps.applyMacro, async ({ ctx, params, body }) => (await app()).ticketWork.applyMacro(ctx, { ticket_id: params.id, macro_id: body.macro_id }, onlineTiming()));
