import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';
import { meView } from '$lib/server/http/views';
import { AppError } from '$lib/domain/common/errors';

export const GET = handle(ops.me, async ({ ctx }) => {
  const a = await app();
  const p = await a.auth.principal(ctx.actor.id);
  if (!p) throw new AppError('unauthenticated', 'Account no longer exists');
  return meView(p);
});
