// Email configuration as the admin API and screen exchange it. Secrets go in (write-only) and
// never come out: a view says only whether one is stored.
import { z } from 'zod';

export const MailboxKind = z.enum(['imap', 'pop3', 'smtp', 'webhook']);
export const MailSecurity = z.enum(['none', 'tls', 'starttls']);
export const MailAuthMethod = z.enum(['none', 'password', 'oauth2']);
export const ClosedTicketPolicy = z.enum(['reopen', 'new_linked']);

const Host = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address');
const Address = z.email('must be an email address').max(320).transform((s) => s.toLowerCase());
/** Domain of the signed reply addresses (support+t…@domain); MX pointing at our inbound SMTP. */
const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a domain name like reply.example.com');

/** Fields without defaults: an update changes only what it sends (zod 4 applies defaults inside .partial()). */
const MailboxFields = z.object({
  name: z.string().trim().min(1, 'is required').max(100),
  kind: MailboxKind,
  address: Address.nullable().optional(),
  display_name: z.string().trim().max(200).nullable().optional(),
  host: Host.nullable().optional(),
  port: z.number().int().min(1).max(65535).nullable().optional(),
  security: MailSecurity,
  auth_method: MailAuthMethod,
  username: z.string().trim().max(320).nullable().optional(),
  /** Password, OAuth2 access token or webhook secret; omitted on update = keep the stored one. */
  secret: z.string().min(1).max(4096).optional(),
  folder: z.string().trim().min(1).max(200),
  processed_folder: z.string().trim().min(1).max(200).nullable().optional(),
  poll_interval_seconds: z.number().int().min(10).max(86_400),
  use_idle: z.boolean(),
  default_team_id: z.uuid().nullable().optional(),
  default_type_id: z.uuid().nullable().optional(),
  is_default: z.boolean(),
  enabled: z.boolean(),
  delete_after_import: z.boolean(),
  closed_ticket_policy: ClosedTicketPolicy,
  /** Off only for self-signed test servers. */
  verify_tls: z.boolean(),
  /** Outbound relay: the domain of the signed reply addresses (null: the relay address's own domain). */
  reply_domain: Domain.nullable().optional()
});

const MailboxDefaults = MailboxFields.extend({
  security: MailSecurity.default('tls'),
  auth_method: MailAuthMethod.default('password'),
  folder: MailboxFields.shape.folder.default('INBOX'),
  poll_interval_seconds: MailboxFields.shape.poll_interval_seconds.default(60),
  use_idle: z.boolean().default(true),
  is_default: z.boolean().default(false),
  enabled: z.boolean().default(false),
  delete_after_import: z.boolean().default(false),
  closed_ticket_policy: ClosedTicketPolicy.default('reopen'),
  verify_tls: z.boolean().default(true)
});

const hostRequired = (v: { kind?: string; host?: string | null; auth_method?: string }, ctx: z.RefinementCtx) => {
  if (v.kind && v.kind !== 'webhook' && !v.host) ctx.addIssue({ code: 'custom', path: ['host'], message: 'is required for IMAP, POP3 and SMTP' });
  if (v.kind === 'pop3' && v.auth_method === 'oauth2') ctx.addIssue({ code: 'custom', path: ['auth_method'], message: 'POP3 mailboxes sign in with a password (OAuth2 is for IMAP and SMTP)' });
};

export const MailboxCreateBody = MailboxDefaults.superRefine(hostRequired);
export const MailboxUpdateBody = MailboxFields.partial()
  .omit({ kind: true })
  .extend({ kind: MailboxKind.optional() })
  .refine((v) => Object.keys(v).length > 0, 'send at least one field');
export type MailboxCreateBody = z.output<typeof MailboxCreateBody>;
export type MailboxUpdateBody = z.output<typeof MailboxUpdateBody>;

export const MailboxIdParam = z.object({ id: z.uuid() });

export const MailboxView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: MailboxKind,
    address: z.string().nullable(),
    display_name: z.string().nullable(),
    host: z.string().nullable(),
    port: z.number().nullable(),
    security: MailSecurity,
    auth_method: MailAuthMethod,
    username: z.string().nullable(),
    has_secret: z.boolean(),
    folder: z.string().nullable(),
    processed_folder: z.string().nullable(),
    poll_interval_seconds: z.number(),
    use_idle: z.boolean(),
    is_default: z.boolean(),
    enabled: z.boolean(),
    delete_after_import: z.boolean(),
    closed_ticket_policy: ClosedTicketPolicy,
    verify_tls: z.boolean(),
    reply_domain: z.string().nullable(),
    /** IMAP watermark: the highest UID imported (with its UIDVALIDITY). */
    uid_validity: z.string().nullable(),
    last_uid: z.string().nullable(),
    last_polled_at: z.string().nullable(),
    last_success_at: z.string().nullable(),
    last_error: z.string().nullable(),
    last_error_at: z.string().nullable()
  })
  .meta({ id: 'EmailMailbox' });
export type MailboxView = z.infer<typeof MailboxView>;

export const ConnectionTestResult = z
  .object({ ok: z.boolean(), error: z.string().optional(), detail: z.record(z.string(), z.unknown()).optional() })
  .meta({ id: 'EmailConnectionTest' });

export const WebhookIngestResult = z
  .object({ status: z.enum(['created', 'commented', 'ignored', 'duplicate', 'failed']), ticket_id: z.uuid().nullable(), reason: z.string().nullable() })
  .meta({ id: 'EmailIngestResult' });

// ─── Outbound mail and the requester's public thread (email issue, outbound) ──────────────────
export const RequesterTokenParam = z.object({ token: z.string().min(20).max(300) });
export const RequesterReplyBody = z.object({ body: z.string().trim().min(1, 'is required').max(20_000, 'is longer than 20,000 characters') }).strict();
export const PublicThreadView = z
  .object({
    ticket_number: z.number(),
    subject: z.string(),
    description: z.string().nullable(),
    status: z.string(),
    created_at: z.iso.datetime(),
    expires_at: z.iso.datetime(),
    can_reply: z.boolean(),
    comments: z.array(z.object({ id: z.uuid(), author: z.string(), from_requester: z.boolean(), body: z.string(), created_at: z.iso.datetime() }))
  })
  .meta({ id: 'RequesterThread' });
export const OutboundIdParam = z.object({ id: z.uuid('must be a message id') });
export const FailedMailView = z
  .object({
    id: z.uuid(),
    to: z.array(z.string()),
    cc: z.array(z.string()),
    subject: z.string().nullable(),
    template: z.string().nullable(),
    attempts: z.number(),
    error: z.string().nullable(),
    retrying_at: z.iso.datetime().nullable(),
    ticket_id: z.uuid().nullable(),
    ticket_number: z.number().nullable(),
    created_at: z.iso.datetime(),
    failed_at: z.iso.datetime()
  })
  .meta({ id: 'FailedMail' });
export type FailedMailView = z.infer<typeof FailedMailView>;
export type PublicThreadView = z.infer<typeof PublicThreadView>;
