import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.listAssignmentRules, async ({ ctx }) => (await app()).background.assignment.listRules(ctx));
export const POST = handle(ops.createAssignmentRule, async ({ ctx, body }) => (await app()).background.assignment.createRule(ctx, body));
