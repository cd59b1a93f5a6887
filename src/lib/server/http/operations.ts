// Every JSON operation of the API, with its schemas. Route files import their operation from
// here; /api/v1/openapi.json is generated from this list, so the document cannot drift.
import { z } from 'zod';
import { op } from './route';
import { LoginBody, PasswordResetBody, ForgotPasswordBody, Me, SessionResponse, ApiKeyCreateBody } from '$lib/domain/auth/schemas';
import { AdminUser, UserListQuery, UserCreateBody, UserUpdateBody, UserIdParam, ResetLink, RoleView } from '$lib/domain/users/schemas';
import { AuditQuery, AuditEntry } from '$lib/domain/audit/schemas';
import { SettingsPatch, SettingView } from '$lib/domain/settings/schemas';
import { mutationOps } from '../mutations/operation';
import { ticketOps } from '../tickets/operations';
import { FileIdParam, FileMeta, UploadHeaders } from '$lib/domain/files/schemas';
import { slaOps } from '../sla/operation';
import { jobsOps } from './operations-jobs';
import { emailOps } from './email-operations';
import { kbOps } from '../kb/operations';
import { searchOps } from './search-operations';
import { aiOps } from '../ai/operations';

const Health = z
  .object({
    status: z.enum(['ok', 'degraded']),
    version: z.string(),
    uptimeSeconds: z.number(),
    db: z.object({ ok: z.boolean(), engine: z.enum(['postgres', 'pglite']), latencyMs: z.number().nullable(), schemaVersion: z.number().nullable(), error: z.string().optional() })
  })
  .meta({ id: 'Health' });

const ApiKey = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string(),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
    lastUsedAt: z.iso.datetime().nullable().optional(),
    revokedAt: z.iso.datetime().nullable().optional()
  })
  .meta({ id: 'ApiKey' });

export const ops = {
  health: op({ id: 'getHealth', method: 'GET', path: '/api/health', summary: 'Service and database health', tags: ['system'], auth: 'public', response: Health }),

  login: op({
    id: 'login',
    method: 'POST',
    path: '/api/auth/login',
    summary: 'Sign in with email and password; sets the session cookies and returns an access token',
    tags: ['auth'],
    auth: 'public',
    body: LoginBody,
    response: SessionResponse,
    errors: [400, 401, 423, 429]
  }),
  refresh: op({ id: 'refresh', method: 'POST', path: '/api/auth/refresh', summary: 'Rotate the refresh token (cookie) and get a new access token', tags: ['auth'], auth: 'public', response: SessionResponse, errors: [401] }),
  logout: op({ id: 'logout', method: 'POST', path: '/api/auth/logout', summary: 'End this session (revokes its refresh-token family)', tags: ['auth'], auth: 'public', status: 204 }),
  forgotPassword: op({ id: 'forgotPassword', method: 'POST', path: '/api/auth/forgot-password', summary: 'Ask for a password reset link (always 202)', tags: ['auth'], auth: 'public', body: ForgotPasswordBody, status: 202 }),
  resetPassword: op({ id: 'resetPassword', method: 'POST', path: '/api/auth/password-reset', summary: 'Set a new password with a one-time reset token', tags: ['auth'], auth: 'public', body: PasswordResetBody, status: 204, errors: [400] }),

  me: op({ id: 'getMe', method: 'GET', path: '/api/v1/me', summary: 'The signed-in user, their roles and permissions', tags: ['me'], auth: 'authenticated', response: Me, errors: [401] }),
  listApiKeys: op({ id: 'listApiKeys', method: 'GET', path: '/api/v1/me/api-keys', summary: 'My API keys', tags: ['me'], auth: 'authenticated', response: z.object({ items: z.array(ApiKey) }) }),
  createApiKey: op({
    id: 'createApiKey',
    method: 'POST',
    path: '/api/v1/me/api-keys',
    summary: 'Create an API key (shown once) to use as `Authorization: Bearer op_…`',
    tags: ['me'],
    auth: 'authenticated',
    body: ApiKeyCreateBody,
    status: 201,
    response: ApiKey.extend({ key: z.string() })
  }),
  revokeApiKey: op({
    id: 'revokeApiKey',
    method: 'DELETE',
    path: '/api/v1/me/api-keys/{id}',
    summary: 'Revoke one of my API keys',
    tags: ['me'],
    auth: 'authenticated',
    params: z.object({ id: z.uuid() }),
    status: 204
  }),

  listUsers: op({
    id: 'listUsers',
    method: 'GET',
    path: '/api/v1/admin/users',
    summary: 'List users with their roles',
    tags: ['admin'],
    auth: { permission: 'users.manage' },
    query: UserListQuery,
    response: z.object({ items: z.array(AdminUser), total: z.number() })
  }),
  createUser: op({
    id: 'createUser',
    method: 'POST',
    path: '/api/v1/admin/users',
    summary: 'Create a user, or invite one (no password: the response has a one-time link)',
    tags: ['admin'],
    auth: { permission: 'users.manage' },
    body: UserCreateBody,
    status: 201,
    response: z.object({ user: AdminUser, resetUrl: z.string().optional() }),
    errors: [400, 403, 409]
  }),
  getUser: op({ id: 'getUser', method: 'GET', path: '/api/v1/admin/users/{id}', summary: 'One user', tags: ['admin'], auth: { permission: 'users.manage' }, params: UserIdParam, response: AdminUser }),
  updateUser: op({
    id: 'updateUser',
    method: 'PATCH',
    path: '/api/v1/admin/users/{id}',
    summary: 'Change name, status (deactivate/reactivate), roles or team',
    tags: ['admin'],
    auth: { permission: 'users.manage' },
    params: UserIdParam,
    body: UserUpdateBody,
    response: AdminUser,
    errors: [400, 403, 404, 409]
  }),
  resetLink: op({
    id: 'issueResetLink',
    method: 'POST',
    path: '/api/v1/admin/users/{id}/reset-link',
    summary: 'Issue a one-time password reset link for a user',
    tags: ['admin'],
    auth: { permission: 'users.manage' },
    params: UserIdParam,
    status: 201,
    response: ResetLink
  }),
  listRoles: op({ id: 'listRoles', method: 'GET', path: '/api/v1/admin/roles', summary: 'Roles and their permissions', tags: ['admin'], auth: { permission: 'users.manage' }, response: z.object({ items: z.array(RoleView) }) }),
  listAudit: op({
    id: 'listAudit',
    method: 'GET',
    path: '/api/v1/admin/audit',
    summary: 'Browse the audit log, newest first (cursor pagination)',
    tags: ['admin'],
    auth: { permission: 'audit.read' },
    query: AuditQuery,
    response: z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() })
  }),
  getSettings: op({ id: 'getSettings', method: 'GET', path: '/api/v1/admin/settings', summary: 'System settings', tags: ['admin'], auth: { permission: 'settings.manage' }, response: z.object({ items: z.array(SettingView) }) }),
  updateSettings: op({
    id: 'updateSettings',
    method: 'PATCH',
    path: '/api/v1/admin/settings',
    summary: 'Change settings: `{ "<key>": value, … }`',
    tags: ['admin'],
    auth: { permission: 'settings.manage' },
    body: SettingsPatch,
    response: z.object({ items: z.array(SettingView) })
  }),
  // Files (ARCHITECTURE §11)
  uploadFile: op({
    id: 'uploadFile',
    method: 'POST',
    path: '/api/v1/files',
    summary:
      'Upload a file as the raw request body (any Content-Type; it is ignored: the type is detected from the content). ' +
      'Name it with `X-Filename` (percent-encoded UTF-8). Optional `X-File-Id` (a UUIDv7 the client made, e.g. offline) makes retries idempotent. ' +
      'The file stays unattached until a `comment.add` mutation lists it in `attachments`; unattached files are removed after a day. ' +
      'Size limit: setting `files.maxUploadBytes` (413); allowed types: setting `files.allowedTypes` (415 names the detected type).',
    tags: ['files'],
    auth: 'authenticated',
    headers: UploadHeaders,
    rawBody: { contentType: 'application/octet-stream', description: 'The file bytes' },
    status: 201,
    response: FileMeta,
    errors: [400, 403, 409, 413, 415]
  }),
  downloadFile: op({
    id: 'downloadFile',
    method: 'GET',
    path: '/api/v1/files/{id}',
    summary: 'Download a file you may read (as an attachment; `Range: bytes=a-b` gives 206). Attachments follow their ticket; internal-note attachments are for staff only.',
    tags: ['files'],
    auth: 'authenticated',
    params: FileIdParam,
    rawResponse: { contentType: 'application/octet-stream', description: 'The file (its detected type; HTML/SVG/XML as application/octet-stream)' },
    errors: [404]
  }),
  fileMeta: op({
    id: 'getFileMeta',
    method: 'GET',
    path: '/api/v1/files/{id}/meta',
    summary: 'Name, detected type, size, SHA-256 and owner of a file you may read',
    tags: ['files'],
    auth: 'authenticated',
    params: FileIdParam,
    response: FileMeta,
    errors: [404]
  }),
  ...mutationOps,
  ...ticketOps,
  ...slaOps,
  ...jobsOps,
  ...emailOps,
  ...kbOps,
  ...searchOps,
  ...aiOps
};

export type Ops = typeof ops;
