import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const POST = handle(ops.testMailbox, async ({ ctx, params }) => (await app()).email.testConnection(ctx, params.id));
