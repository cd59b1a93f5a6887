// The names the gatekeeper (`GET /api/sync/shape?shape=<name>`) accepts. Shared by the shape
// registry (server) and the browser's replica (Dexie tables use the same names); kept in its own
// module so the client bundle does not pull in the registry.
export const SHAPE_NAMES = [
  'tickets',
  'ticket_comments',
  'ticket_attachments',
  'kb_articles',
  'assets',
  'change_requests',
  'users',
  'teams',
  'sla_policies',
  'settings',
  'notifications'
] as const;
export type ShapeName = (typeof SHAPE_NAMES)[number];

export const isShapeName = (s: string): s is ShapeName => (SHAPE_NAMES as readonly string[]).includes(s);
