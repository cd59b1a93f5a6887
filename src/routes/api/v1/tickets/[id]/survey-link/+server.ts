import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ticketOps } from '$lib/server/tickets/operations';
import { config } from '$lib/server/config';

export const POST = handle(ticketOps.surveyLink, async ({ ctx, params, event }) => (await app()).ticketWork.surveyLink(ctx, params.id, config().OUTPOST_PUBLIC_URL ?? event.url.origin));
