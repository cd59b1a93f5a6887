import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const PUT = handle(ops.updateAssignmentRule, async ({ ctx, params, body }) => (await app()).background.assignment.updateRule(ctx, params.id, body));
export const DELETE = handle(ops.deleteAssignmentRule, async ({ ctx, params }) => (await app()).background.assignment.deleteRule(ctx, params.id));
