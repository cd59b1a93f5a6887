import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.listMailboxes, async ({ ctx }) => ({ items: await (await app()).email.list(ctx) }));
export const POST = handle(ops.createMailbox, async ({ ctx, body }) => (await app()).email.create(ctx, body));
