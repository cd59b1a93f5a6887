import { z } from 'zod';
import { PASSWORD_MAX } from './password-policy';
import { ROLE_KEYS } from './permissions';

export const Email = z.string().trim().toLowerCase().pipe(z.email({ message: 'must be a valid email address' })).meta({ example: 'alex@example.com' });

export const LoginBody = z.object({
  email: Email,
  password: z.string().min(1, 'is required').max(PASSWORD_MAX * 4, 'is too long')
});

export const PasswordResetBody = z.object({
  token: z.string().min(20, 'is not a valid reset token').max(200),
  password: z.string().min(1, 'is required')
});

export const ForgotPasswordBody = z.object({ email: Email });

export const Me = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    roles: z.array(z.enum(ROLE_KEYS)),
    permissions: z.array(z.string()),
    locale: z.string(),
    timeZone: z.string(),
    teamId: z.uuid().nullable()
  })
  .meta({ id: 'Me' });

export const SessionResponse = z
  .object({ user: Me, accessToken: z.string(), expiresAt: z.iso.datetime() })
  .meta({ id: 'Session' });

export const ApiKeyCreateBody = z.object({
  name: z.string().trim().min(1, 'is required').max(100),
  expiresInDays: z.number().int().min(1).max(3650).optional()
});
