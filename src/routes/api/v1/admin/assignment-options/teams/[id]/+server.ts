import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const PUT = handle(ops.setTeamAssignmentMethod, async ({ ctx, params, body }) => (await app()).background.assignment.setTeamMethod(ctx, params.id, body.method));
