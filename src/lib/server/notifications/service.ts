// In-app notifications: rows in `notifications` (synced to their user's shape). Created inside the
// transaction of the change they announce, so a rolled-back change notifies nobody. Each user's
// preferences decide the channels: in-app (a row here) and/or email (a queued email_messages row
// through the MailTransport, delivered by the `email.deliver` job).
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { RequestContext } from '../context';
import { notificationsRepo } from './repository';
import { recordAudit } from '../audit/service';
import type { NotificationMarkReadArgs } from '$lib/domain/mutations/registry';
import type { MutationTiming } from '$lib/domain/mutations/clock';
import { channelsFor, type PreferencesBody } from '$lib/domain/notifications/preferences';
import { preferencesRepo } from './preferences';
import { mailTransport } from './mail';
import { jobsDb } from '../db/schema-jobs';

export interface NewNotification {
  userId: string;
  type: string;
  title: string;
  body?: string | null;
  link?: string | null;
  ticketId?: string | null;
  data?: Record<string, unknown>;
  /** false: in-app only, whatever the preferences (the caller sends its own mail, e.g. ticket mail). */
  email?: boolean;
}

/**
 * Notifies one user of something `ctx.actor` did; nobody is notified of their own actions. The
 * user's preferences pick the channels; returns the in-app notification id (null when in-app is off).
 */
export async function notify(db: Kysely<DB>, ctx: RequestContext, n: NewNotification) {
  if (n.userId === ctx.actor.id) return null;
  const actorId = ctx.actor.via === 'system' ? null : ctx.actor.id;
  const channels = channelsFor(await preferencesRepo.get(db, n.userId), n.type);
  let id: string | null = null;
  if (channels.inApp) {
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
    id = row.id;
  }
  const transport = mailTransport();
  if (channels.email && n.email !== false && transport) {
    const to = await jobsDb(db).selectFrom('users').select('email').where('id', '=', n.userId).where('status', '=', 'active').where('deleted_at', 'is', null).executeTakeFirst();
    if (to) {
      await transport.queue(db, {
        to: [to.email],
        subject: n.title,
        template: n.type,
        data: { title: n.title, body: n.body ?? null, link: n.link ?? null, notificationId: id, ...(n.data ?? {}) },
        ticketId: n.ticketId ?? null,
        userId: n.userId
      });
    }
  }
  return id;
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

  /** The actor's preferences, defaults filled in. */
  getPreferences(ctx: RequestContext) {
    return preferencesRepo.get(this.db, ctx.actor.id);
  }

  /** Changes the actor's own preferences (any subset of events), audited. */
  async setPreferences(ctx: RequestContext, patch: PreferencesBody) {
    return this.db.transaction().execute(async (trx) => {
      const before = await preferencesRepo.get(trx, ctx.actor.id);
      const after = await preferencesRepo.merge(trx, ctx.actor.id, patch);
      await recordAudit(trx, ctx, { action: 'notification.preferences', entityType: 'user', entityId: ctx.actor.id, before: flat(before), after: flat(after) });
      return after;
    });
  }
}

const flat = (p: Record<string, { inApp: boolean; email: boolean }>) =>
  Object.fromEntries(Object.entries(p).flatMap(([k, v]) => [[`${k}.inApp`, v.inApp], [`${k}.email`, v.email]]));
