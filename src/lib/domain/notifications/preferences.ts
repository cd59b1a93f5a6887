// Per-user notification preferences: which events reach the user in the app and by email.
import { z } from 'zod';

import { NOTIFICATION_EVENTS, type NotificationEvent } from './events';

export { NOTIFICATION_EVENTS, type NotificationEvent };

export const Channels = z.object({ inApp: z.boolean(), email: z.boolean() }).strict();
export type Channels = z.infer<typeof Channels>;

export const DEFAULT_PREFERENCES: Record<NotificationEvent, Channels> = {
  'ticket.assigned': { inApp: true, email: true },
  'comment.added': { inApp: true, email: true },
  'sla.warning': { inApp: true, email: false },
  'sla.breached': { inApp: true, email: true },
  escalation: { inApp: true, email: true }
};

/** PUT body: any subset of events; the rest keep their current value. */
export const PreferencesBody = z.object(Object.fromEntries(NOTIFICATION_EVENTS.map((e) => [e, Channels.optional()])) as Record<NotificationEvent, z.ZodOptional<typeof Channels>>).strict();
export type PreferencesBody = z.infer<typeof PreferencesBody>;
export const PreferencesView = z.object(Object.fromEntries(NOTIFICATION_EVENTS.map((e) => [e, Channels])) as Record<NotificationEvent, typeof Channels>).meta({ id: 'NotificationPreferences' });
export type PreferencesView = z.infer<typeof PreferencesView>;

/** Event key of a notification type (escalation.* types share one switch). */
export function eventOf(type: string): NotificationEvent | null {
  if (type.startsWith('escalation')) return 'escalation';
  return (NOTIFICATION_EVENTS as readonly string[]).includes(type) ? (type as NotificationEvent) : null;
}

/** Stored (possibly partial, possibly stale) preferences merged over the defaults; unknown keys dropped. */
export function resolvePreferences(stored: unknown): PreferencesView {
  const out = structuredClone(DEFAULT_PREFERENCES) as PreferencesView;
  if (stored && typeof stored === 'object') {
    for (const e of NOTIFICATION_EVENTS) {
      const v = Channels.safeParse((stored as Record<string, unknown>)[e]);
      if (v.success) out[e] = v.data;
    }
  }
  return out;
}

/** Channels for one notification type; types outside the list are in-app only. */
export function channelsFor(prefs: PreferencesView, type: string): Channels {
  const e = eventOf(type);
  return e ? prefs[e] : { inApp: true, email: false };
}
