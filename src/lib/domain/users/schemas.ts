import { z } from 'zod';
import { Email } from '../auth/schemas';
import { ROLE_KEYS } from '../auth/permissions';

export const RoleKey = z.enum(ROLE_KEYS);
export const UserStatus = z.enum(['active', 'inactive', 'invited']);

export const AdminUser = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    status: UserStatus,
    roles: z.array(RoleKey),
    teamId: z.uuid().nullable(),
    lastLoginAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime()
  })
  .meta({ id: 'AdminUser' });

export const UserListQuery = z.object({
  q: z.string().trim().max(200).optional(),
  role: RoleKey.optional(),
  status: UserStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0)
});

export const UserCreateBody = z.object({
  email: Email,
  name: z.string().trim().min(1, 'is required').max(200),
  roles: z.array(RoleKey).min(1, 'needs at least one role'),
  password: z.string().optional(),
  teamId: z.uuid().nullable().optional()
});

export const UserUpdateBody = z
  .object({
    name: z.string().trim().min(1, 'is required').max(200).optional(),
    status: z.enum(['active', 'inactive']).optional(),
    roles: z.array(RoleKey).min(1, 'needs at least one role').optional(),
    teamId: z.uuid().nullable().optional()
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });

export const UserIdParam = z.object({ id: z.uuid({ message: 'must be a user id (uuid)' }) });

export const ResetLink = z.object({ url: z.string(), expiresAt: z.iso.datetime() }).meta({ id: 'ResetLink' });

export const RoleView = z
  .object({ key: RoleKey, name: z.string(), description: z.string().nullable(), permissions: z.array(z.string()) })
  .meta({ id: 'Role' });
