// Operations of the email channel (admin configuration and the inbound webhook), spread into
// `ops` by operations.ts so they reach the OpenAPI document like every other operation.
import { z } from 'zod';
import { op } from './route';
import { MailboxCreateBody, MailboxIdParam, MailboxUpdateBody, MailboxView, ConnectionTestResult, WebhookIngestResult } from '$lib/domain/email/schemas';
import { FailedMailView, OutboundIdParam, PublicThreadView, RequesterReplyBody, RequesterTokenParam } from '$lib/domain/email/schemas';

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
  }),
  // Outbound mail (compose/deliver) and the requester's signed thread page.
  listFailedMail: op({ id: 'listFailedMail', method: 'GET', path: '/api/v1/admin/email/outbound', summary: 'Outbound mail that failed to deliver, newest first, with the relay’s error', tags: ['email'], auth: admin, response: z.object({ items: z.array(FailedMailView) }) }),
  retryFailedMail: op({ id: 'retryFailedMail', method: 'POST', path: '/api/v1/admin/email/outbound/{id}/retry', summary: 'Queue a failed message for delivery again (the stored message, unchanged)', tags: ['email'], auth: admin, params: OutboundIdParam, response: z.object({ id: z.uuid(), status: z.enum(['queued', 'discarded']) }), errors: [403, 404, 409] }),
  discardFailedMail: op({ id: 'discardFailedMail', method: 'POST', path: '/api/v1/admin/email/outbound/{id}/discard', summary: 'Give up on a failed message (kept for the record, never sent)', tags: ['email'], auth: admin, params: OutboundIdParam, response: z.object({ id: z.uuid(), status: z.enum(['queued', 'discarded']) }), errors: [403, 404, 409] }),
  getRequesterThread: op({ id: 'getRequesterThread', method: 'GET', path: '/api/v1/requester-links/{token}', summary: 'The public thread of a ticket, for its requester (public; the signed link from their email is the credential)', tags: ['email'], auth: 'public', params: RequesterTokenParam, response: PublicThreadView, errors: [404, 429] }),
  replyRequesterThread: op({ id: 'replyRequesterThread', method: 'POST', path: '/api/v1/requester-links/{token}/replies', summary: 'Reply on the ticket as its requester (a public comment)', tags: ['email'], auth: 'public', params: RequesterTokenParam, body: RequesterReplyBody, status: 201, response: z.object({ id: z.uuid(), ticket_number: z.number() }), errors: [400, 404, 409, 429] })
};
