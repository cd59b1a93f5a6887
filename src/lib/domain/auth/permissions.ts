// Roles, permissions and the default grants. Stored in the database (migration 0001 seeds the
// same lists; permissions.test.ts keeps them identical) so admins can change grants later.
export const ROLE_KEYS = ['admin', 'it_manager', 'agent', 'end_user', 'requester'] as const;
export type RoleKey = (typeof ROLE_KEYS)[number];

export const PERMISSIONS = [
  'users.read',
  'users.manage',
  'roles.manage',
  'settings.manage',
  'audit.read',
  'teams.manage',
  'tickets.read.all',
  'tickets.read.own',
  'tickets.create',
  'tickets.update',
  'tickets.assign',
  'tickets.delete',
  'comments.internal',
  'kb.read',
  'kb.read.internal',
  'kb.write',
  'kb.publish',
  'assets.read',
  'assets.write',
  'changes.read',
  'changes.write',
  'changes.approve',
  'sla.manage',
  'reports.read',
  'ai.use',
  'email.manage'
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const ALL = [...PERMISSIONS];

export const DEFAULT_GRANTS: Record<RoleKey, readonly Permission[]> = {
  admin: ALL,
  it_manager: [
    'users.read', 'audit.read', 'teams.manage', 'tickets.read.all', 'tickets.read.own', 'tickets.create',
    'tickets.update', 'tickets.assign', 'tickets.delete', 'comments.internal', 'kb.read', 'kb.read.internal',
    'kb.write', 'kb.publish', 'assets.read', 'assets.write', 'changes.read', 'changes.write', 'changes.approve',
    'sla.manage', 'reports.read', 'ai.use'
  ],
  agent: [
    'users.read', 'tickets.read.all', 'tickets.read.own', 'tickets.create', 'tickets.update', 'tickets.assign',
    'comments.internal', 'kb.read', 'kb.read.internal', 'kb.write', 'assets.read', 'assets.write',
    'changes.read', 'changes.write', 'ai.use'
  ],
  end_user: ['tickets.read.own', 'tickets.create', 'kb.read', 'ai.use'],
  requester: ['tickets.read.own', 'tickets.create']
};

/** Who is acting: the authenticated principal every service receives. */
export interface Actor {
  id: string;
  email: string;
  name: string;
  roles: RoleKey[];
  permissions: ReadonlySet<string>;
  /** How the request was authenticated; cookie sessions need the CSRF origin check. */
  via: 'cookie' | 'bearer' | 'api_key' | 'system';
}

/** What a permission may be checked against; ownership turns `.own` permissions on. */
export interface Resource {
  requesterId?: string | null;
  ownerId?: string | null;
}

/**
 * The one authorisation predicate. `tickets.read` resolves to `.all`, or to `.own` when the
 * actor is the resource's requester/owner; every other permission is a plain grant.
 */
export function can(actor: Actor | null | undefined, permission: Permission | 'tickets.read', resource?: Resource): boolean {
  if (!actor) return false;
  if (permission === 'tickets.read') {
    if (actor.permissions.has('tickets.read.all')) return true;
    if (!actor.permissions.has('tickets.read.own') || !resource) return false;
    return resource.requesterId === actor.id || resource.ownerId === actor.id;
  }
  return actor.permissions.has(permission);
}

export const systemActor: Actor = {
  id: '00000000-0000-0000-0000-000000000000',
  email: 'system@outpost.local',
  name: 'System',
  roles: ['admin'],
  permissions: new Set(PERMISSIONS),
  via: 'system'
};
