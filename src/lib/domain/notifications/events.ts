// The notification events a user can switch per channel (zod-free: the settings page imports it).
export const NOTIFICATION_EVENTS = ['ticket.assigned', 'comment.added', 'sla.warning', 'sla.breached', 'escalation'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
export type Preferences = Record<NotificationEvent, { inApp: boolean; email: boolean }>;
