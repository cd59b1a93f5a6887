import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.listBusinessCalendars, async ({ ctx }) => (await app()).sla.listCalendars(ctx));
export const POST = handle(ops.createBusinessCalendar, async ({ ctx, body }) => (await app()).sla.createCalendar(ctx, body));
