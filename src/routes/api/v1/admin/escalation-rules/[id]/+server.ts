import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';

export const PUT = handle(ops.updateEscalationRule, async ({ ctx, params, body }) => (await app()).background.escalation.updateRule(ctx, params.id, body));
export const DELETE = handle(ops.deleteEscalationRule, async ({ ctx, params }) => (await app()).background.escalation.deleteRule(ctx, params.id));
