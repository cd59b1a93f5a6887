// Asset writes from the field: edits merged field by field against what the technician saw,
// audited with the device time. Assignment changes stamp assigned_at with that time.
import type { Kysely, Updateable } from 'kysely';
import type { DB } from '../db/schema';
import type { AssetsTable } from '../db/schema-service-desk';
import type { RequestContext } from '../context';
import { assetsRepo } from './repository';
import { recordAudit } from '../audit/service';
import { AppError } from '$lib/domain/common/errors';
import { can } from '$lib/domain/auth/permissions';
import { mergeEdits, conflictError } from '$lib/domain/mutations/merge';
import type { MutationTiming } from '$lib/domain/mutations/clock';
import type { AssetUpdateArgs } from '$lib/domain/assets/schemas';

const invalid = (field: string, message: string) => new AppError('validation', `${field}: ${message}`, { fields: [{ field, message }] });

export class AssetsService {
  constructor(private readonly db: Kysely<DB>) {}

  async update(ctx: RequestContext, args: AssetUpdateArgs, t: MutationTiming, trx?: Kysely<DB>) {
    const run = async (trx: Kysely<DB>) => {
      const asset = await assetsRepo.lockForWrite(trx, args.id);
      if (!asset || !can(ctx.actor, 'assets.read')) throw new AppError('not_found', 'id: no such asset', { fields: [{ field: 'id', message: 'no such asset' }] });
      if (!can(ctx.actor, 'assets.write')) throw new AppError('forbidden', 'You may not edit assets');
      const { changes, conflicts } = mergeEdits(asset, args.set, args.base);
      if (conflicts.length) throw conflictError(conflicts, `asset ${asset.asset_tag}`);
      const changed = changes.map((c) => c.field);
      if (!changes.length) return { id: asset.id, changed };
      const set = Object.fromEntries(changes.map((c) => [c.field, c.to === '' && c.field !== 'name' ? null : c.to])) as Updateable<AssetsTable>;
      if (typeof set.assigned_to_id === 'string' && !(await assetsRepo.userExists(trx, set.assigned_to_id))) throw invalid('assigned_to_id', 'no such user');
      if (typeof set.team_id === 'string' && !(await assetsRepo.teamExists(trx, set.team_id))) throw invalid('team_id', 'no such team');
      if ('assigned_to_id' in set) set.assigned_at = set.assigned_to_id ? t.deviceTime : null;
      const actorId = ctx.actor.via === 'system' ? null : ctx.actor.id;
      await assetsRepo.update(trx, asset.id, { ...set, updated_by: actorId, updated_at: t.serverTime, client_updated_at: t.deviceTime });
      await recordAudit(trx, ctx, {
        action: 'asset.update',
        entityType: 'asset',
        entityId: asset.id,
        before: Object.fromEntries(changes.map((c) => [c.field, c.from])),
        after: Object.fromEntries(changes.map((c) => [c.field, c.to]))
      });
      return { id: asset.id, changed };
    };
    return trx ? run(trx) : this.db.transaction().execute(run);
  }
}
