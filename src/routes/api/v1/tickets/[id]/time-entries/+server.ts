import { uuidv7 } from 'uuidv7';
import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ticketOps } from '$lib/server/tickets/operations';
import { onlineTiming } from '$lib/domain/mutations/clock';

export const POST = handle(ticketOps.addTimeEntry, async ({ ctx, params, body }) =>
  (await app()).ticketWork.addTimeEntry(ctx, { ...body, id: body.id ?? uuidv7(), ticket_id: params.id }, onlineTiming())
);
