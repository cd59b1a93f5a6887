import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.listRoles, async ({ ctx }) => ({ items: await (await app()).users.roles(ctx) }));
