import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';
import { searchKbDetailed, searchVisibilityFor } from '$lib/server/search/kb-search';

export const GET = handle(ops.searchKb, async ({ actor, query }) => {
  const v = searchVisibilityFor(actor, query.includeUnpublished ?? false);
  const r = await searchKbDetailed((await app()).database.db, { query: query.q, mode: query.mode, limit: query.limit, ...v });
  return { items: r.items, mode: r.mode, model: r.model };
});
