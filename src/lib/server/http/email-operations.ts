// Operations of the email channel (admin configuration and the inbound webhook), spread into
// `ops` by operations.ts so they reach the OpenAPI document like every other operation.
import { z } from 'zod';
import { op } from './route';
import { MailboxCreateBody, MailboxIdParam, MailboxUpdateBody, MailboxView, ConnectionTestResult, WebhookIngestResult } from '$lib/domain/email/schemas';

const admin = { permission: 'email.manage' } as const;

export const emailOps = {
  listMailboxes: op({ id: 'listEmailMailboxes', method: 'GET', path: '/api/v1/admin/email/mailboxes', summary: 'Mailboxes, relays and webhooks (never their secrets)', tags: ['email'], auth: admin, response: z.object({ items: z.array(MailboxView) }) }),
  createMailbox: op({
    id: 'createEmailMailbox',
    method: 'POST',
    path: '/api/v1/admin/email/mailboxes',
    summary: 'Add an IMAP/POP3 mailbox, an outbound SMTP relay or an inbound webhook; the secret is encrypted at rest',
    tags: ['email'],
    auth: admin,
    body: MailboxCreateBody,
    status: 201,
    response: MailboxView,
    errors: [400, 403, 409]
  }),
  updateMailbox: op({
    id: 'updateEmailMailbox',
    method: 'PATCH',
    path: '/api/v1/admin/email/mailboxes/{id}',
    summary: 'Change a mailbox; omit `secret` to keep the stored one',
    tags: ['email'],
    auth: admin,
    params: MailboxIdParam,
    body: MailboxUpdateBody,
    response: MailboxView,
    errors: [400, 403, 404, 409]
  }),
  deleteMailbox: op({ id: 'deleteEmailMailbox', method: 'DELETE', path: '/api/v1/admin/email/mailboxes/{id}', summary: 'Remove a mailbox (stops polling)', tags: ['email'], auth: admin, params: MailboxIdParam, status: 204, errors: [403, 404] }),
  testMailbox: op({
    id: 'testEmailMailbox',
    method: 'POST',
    path: '/api/v1/admin/email/mailboxes/{id}/test',
    summary: "Connect with the stored settings; reports the server's own error",
    tags: ['email'],
    auth: admin,
    params: MailboxIdParam,
    response: ConnectionTestResult,
    errors: [403, 404]
  }),
  reencryptSecrets: op({
    id: 'reencryptEmailSecrets',
    method: 'POST',
    path: '/api/v1/admin/email/reencrypt',
    summary: 'Re-encrypt every stored email credential with the current key (after rotating OUTPOST_EMAIL_KEY)',
    tags: ['email'],
    auth: admin,
    response: z.object({ updated: z.number(), total: z.number() })
  }),
  emailInbound: op({
    id: 'emailInbound',
    method: 'POST',
    path: '/api/v1/email/inbound',
    summary: 'Deliver one raw MIME message (body `message/rfc822`), authenticated with a webhook secret in `X-Outpost-Email-Secret`',
    tags: ['email'],
    auth: 'public',
    response: WebhookIngestResult,
    errors: [401, 413, 400]
  })
};
