import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const PATCH = handle(ops.updateBusinessCalendar, async ({ ctx, params, body }) => (await app()).sla.updateCalendar(ctx, params.id, body));
export const DELETE = handle(ops.deleteBusinessCalendar, async ({ ctx, params }) => (await app()).sla.deleteCalendar(ctx, params.id));
