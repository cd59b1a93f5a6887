import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const GET = handle(ops.listEscalationRules, async ({ ctx }) => (await app()).background.escalation.listRules(ctx));
export const POST = handle(ops.createEscalationRule, async ({ ctx, body }) => (await app()).background.escalation.createRule(ctx, body));
