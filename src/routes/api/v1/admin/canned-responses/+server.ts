import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ticketOps } from '$lib/server/tickets/operations';
import type { ConfigBodies } from '$lib/server/tickets/config-service';

export const GET = handle(ticketOps.listCannedResponses, async ({ ctx }) => (await app()).ticketConfig.list(ctx, 'canned'));
export const POST = handle(ticketOps.createCannedResponses, async ({ ctx, body }) => (await app()).ticketConfig.create(ctx, 'canned', body as ConfigBodies['canned'][0]));
