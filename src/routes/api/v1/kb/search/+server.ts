import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.searchKb, async ({ actor, query }) => (await app()).kbSearch.search(actor, query));
