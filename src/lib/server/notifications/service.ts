// In-app notifications: rows in `notifications` (synced to their user's shape). Created inside the
// transaction of the change they announce, so a rolled-back change notifies nobody. Email and
// per-user preferences come with the ticket-operations work.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { RequestContext } from '../context';
import { notificationsRepo } from './repository';
import { recordAudit } from '../audit/service';
import type { NotificationMarkReadArgs } from '$lib/domain/mutations/registry';
import type { MutationTiming } from '$lib/domain/mutations/clock';

export interface NewNotification {
  userId: string;
  type: string;
  title: string;
  body?: string | null;
  link?: string | null;
  ticketId?: string | null;
  data?: Record<string, unknown>;
}

/** Notifies one user of something `ctx.actor` did; nobody is notified of their own actions. */
export async function notify(db: Kysely<DB>, ctx: RequestContext, n: NewNotification) {
  if (n.userId === ctx.actor.id) return null;
  const actorId = ctx.actor.via === 'system' ? null : ctx.actor.id;
  const row = await notificationsRepo.insert(db, {
    user_id: n.userId,
    type: n.type,
    title: n.title,
    body: n.body ?? null,
    link: n.link ?? null,
    actor_id: actorId,
    ticket_id: n.ticketId ?? null,
    data: JSON.stringify(n.data ?? {}),
    created_by: actorId,
    updated_by: actorId
  });
  return row.id;
}

export class NotificationsService {
  constructor(private readonly db: Kysely<DB>) {}

  /** `notification.markRead`: only ever the actor's own notifications, so no permission beyond being signed in. */
  async markRead(ctx: RequestContext, args: NotificationMarkReadArgs, t: MutationTiming, trx?: Kysely<DB>) {
    const run = async (trx: Kysely<DB>) => {
      const before = args.before ? new Date(args.before) : args.all ? t.serverTime : undefined;
      const ids = await notificationsRepo.markRead(trx, ctx.actor.id, { ids: args.ids, before }, t.deviceTime, ctx.actor.id);
      if (ids.length) {
        await recordAudit(trx, ctx, { action: 'notification.read', entityType: 'notification', entityId: ids.length === 1 ? ids[0] : null, before: null, after: { count: ids.length } });
      }
      return { marked: ids.length, ids };
    };
    return trx ? run(trx) : this.db.transaction().execute(run);
  }
}
