import type { PrincipalRow } from '../auth/repository';
import type { RoleKey } from '$lib/domain/auth/permissions';

export const meView = (p: PrincipalRow) => ({
  id: p.id,
  email: p.email,
  name: p.name,
  roles: p.roles as RoleKey[],
  permissions: [...p.permissions].sort(),
  locale: p.locale,
  timeZone: p.time_zone,
  teamId: p.team_id
});

export const sessionView = (s: { profile: PrincipalRow; accessToken: string; accessExpiresAt: Date }) => ({
  user: meView(s.profile),
  accessToken: s.accessToken,
  expiresAt: s.accessExpiresAt.toISOString()
});
