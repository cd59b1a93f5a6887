import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';
import { listAudit } from '$lib/server/audit/service';

export const GET = handle(ops.listAudit, async ({ ctx, query }) => listAudit((await app()).database.db, ctx, query));
