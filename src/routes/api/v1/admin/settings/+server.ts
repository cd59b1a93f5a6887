import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.getSettings, async ({ ctx }) => ({ items: await (await app()).settings.listForAdmin(ctx) }));
export const PATCH = handle(ops.updateSettings, async ({ ctx, body }) => ({ items: await (await app()).settings.update(ctx, body) }));
