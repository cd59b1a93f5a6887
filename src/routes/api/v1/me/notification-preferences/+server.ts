import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.getNotificationPreferences, async ({ ctx }) => (await app()).notifications.getPreferences(ctx));
export const PUT = handle(ops.putNotificationPreferences, async ({ ctx, body }) => (await app()).notifications.setPreferences(ctx, body));
