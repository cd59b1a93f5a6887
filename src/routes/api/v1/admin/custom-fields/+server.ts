import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ticketOps } from '$lib/server/tickets/operations';
import type { ConfigBodies } from '$lib/server/tickets/config-service';

export const GET = handle(ticketOps.listCustomFields, async ({ ctx }) => (await app()).ticketConfig.list(ctx, 'fields'));
export const POST = handle(ticketOps.createCustomFields, async ({ ctx, body }) => (await app()).ticketConfig.create(ctx, 'fields', body as ConfigBodies['fields'][0]));
