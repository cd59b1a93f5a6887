// Email configuration (admin) and the authenticated entry points into the ingest pipeline that
// are not mailbox pollers (webhook, inbound SMTP). Credentials are sealed before they reach the
// database and opened only to connect; views never carry them.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../db/schema';
import type { EmailConfigurationsTable } from '../db/schema-service-desk';
import type { RequestContext } from '../context';
import { recordAudit } from '../audit/service';
import { AppError } from '$lib/domain/common/errors';
import { can } from '$lib/domain/auth/permissions';
import type { MailboxCreateBody, MailboxUpdateBody, MailboxView } from '$lib/domain/email/schemas';
import { splitPlusAddress } from '$lib/domain/email/threading';
import { emailAdminRepo } from './admin-repository';
import { open, reseal, seal, type KeyRing } from './secrets';
import { connectionOf, optionsOf } from './mailbox-config';
import { testImap } from './imap';
import { testPop3 } from './pop3';
import { testSmtp } from './outbound';
import type { EmailIngestService, IngestChannel, IngestOutcome } from './ingest';

type Row = Selectable<EmailConfigurationsTable>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function mailboxView(r: Row): MailboxView {
  const s = (r.settings ?? {}) as Record<string, unknown>;
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    address: r.address,
    display_name: r.display_name,
    host: r.host,
    port: r.port,
    security: r.security,
    auth_method: r.auth_method,
    username: r.username,
    has_secret: !!r.secret_encrypted,
    folder: r.folder,
    processed_folder: r.processed_folder,
    poll_interval_seconds: r.poll_interval_seconds,
    use_idle: r.use_idle,
    is_default: r.is_default,
    enabled: r.enabled,
    delete_after_import: s.deleteAfterImport === true,
    closed_ticket_policy: s.closedTicketPolicy === 'new_linked' ? 'new_linked' : 'reopen',
    verify_tls: s.verifyTls !== false,
    reply_domain: typeof s.replyDomain === 'string' ? s.replyDomain : null,
    uid_validity: r.uid_validity,
    last_uid: r.last_uid,
    last_polled_at: iso(r.last_polled_at),
    last_success_at: iso(r.last_success_at),
    last_error: r.last_error,
    last_error_at: iso(r.last_error_at)
  };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export class EmailService {
  /** Called after any configuration change (outbound relay cache…). */
  readonly afterConfigChange: (() => void)[] = [];
  #domains: { at: number; list: { domain: string; local: string; id: string }[] } | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly ring: KeyRing,
    private readonly ingestService: EmailIngestService
  ) {}

  #guard(ctx: RequestContext) {
    if (!can(ctx.actor, 'email.manage')) throw new AppError('forbidden', 'You may not manage email settings');
  }

  async list(ctx: RequestContext): Promise<MailboxView[]> {
    this.#guard(ctx);
    return (await emailAdminRepo.list(this.db)).map(mailboxView);
  }

  async create(ctx: RequestContext, body: MailboxCreateBody): Promise<MailboxView> {
    this.#guard(ctx);
    const row = await this.db.transaction().execute(async (trx) => {
      const r = await emailAdminRepo.insert(trx, {
        name: body.name,
        kind: body.kind,
        address: body.address ?? null,
        display_name: body.display_name ?? null,
        host: body.host ?? null,
        port: body.port ?? null,
        security: body.security,
        auth_method: body.auth_method,
        username: body.username ?? null,
        secret_encrypted: body.secret ? seal(this.ring, body.secret) : null,
        folder: body.folder,
        processed_folder: body.processed_folder ?? null,
        poll_interval_seconds: body.poll_interval_seconds,
        use_idle: body.use_idle,
        default_team_id: body.default_team_id ?? null,
        default_type_id: body.default_type_id ?? null,
        is_default: body.is_default,
        enabled: body.enabled,
        settings: JSON.stringify({ deleteAfterImport: body.delete_after_import, closedTicketPolicy: body.closed_ticket_policy, verifyTls: body.verify_tls, replyDomain: body.reply_domain ?? null }),
        created_by: ctx.actor.id,
        updated_by: ctx.actor.id
      });
      if (!r) throw new AppError('conflict', 'name: a mailbox with this name already exists', { fields: [{ field: 'name', message: 'already exists' }] });
      const view = mailboxView(r);
      await recordAudit(trx, ctx, { action: 'email.mailbox.create', entityType: 'email_configuration', entityId: r.id, before: null, after: { ...view, has_secret: view.has_secret } });
      return r;
    });
    this.#domains = undefined;
    this.ingestService.forgetConfiguration();
    for (const f of this.afterConfigChange) f();
    return mailboxView(row);
  }

  async update(ctx: RequestContext, id: string, body: MailboxUpdateBody): Promise<MailboxView> {
    this.#guard(ctx);
    const row = await this.db.transaction().execute(async (trx) => {
      const cur = await emailAdminRepo.get(trx, id);
      if (!cur) throw new AppError('not_found', 'id: no such mailbox', { fields: [{ field: 'id', message: 'no such mailbox' }] });
      const s = { ...((cur.settings ?? {}) as Record<string, unknown>) };
      if (body.delete_after_import !== undefined) s.deleteAfterImport = body.delete_after_import;
      if (body.closed_ticket_policy !== undefined) s.closedTicketPolicy = body.closed_ticket_policy;
      if (body.verify_tls !== undefined) s.verifyTls = body.verify_tls;
      if (body.reply_domain !== undefined) s.replyDomain = body.reply_domain;
      const { secret, delete_after_import: _d, closed_ticket_policy: _c, verify_tls: _v, reply_domain: _r, ...plain } = body;
      const kind = body.kind ?? cur.kind;
      const host = body.host === undefined ? cur.host : body.host;
      if (kind !== 'webhook' && !host) throw new AppError('validation', 'host: is required for IMAP, POP3 and SMTP', { fields: [{ field: 'host', message: 'is required for IMAP, POP3 and SMTP' }] });
      if (kind === 'pop3' && (body.auth_method ?? cur.auth_method) === 'oauth2') {
        const message = 'POP3 mailboxes sign in with a password (OAuth2 is for IMAP and SMTP)';
        throw new AppError('validation', `auth_method: ${message}`, { fields: [{ field: 'auth_method', message }] });
      }
      const next = await emailAdminRepo.update(trx, id, { ...plain, ...(secret ? { secret_encrypted: seal(this.ring, secret) } : {}), settings: JSON.stringify(s), updated_by: ctx.actor.id });
      if (!next) throw new AppError('conflict', 'name: a mailbox with this name already exists', { fields: [{ field: 'name', message: 'already exists' }] });
      const before = mailboxView(cur);
      const after = mailboxView(next);
      await recordAudit(trx, ctx, { action: 'email.mailbox.update', entityType: 'email_configuration', entityId: id, before: { ...before, secret_changed: false }, after: { ...after, secret_changed: !!secret } });
      return next;
    });
    this.#domains = undefined;
    this.ingestService.forgetConfiguration();
    for (const f of this.afterConfigChange) f();
    return mailboxView(row);
  }

  async remove(ctx: RequestContext, id: string) {
    this.#guard(ctx);
    await this.db.transaction().execute(async (trx) => {
      const cur = await emailAdminRepo.get(trx, id);
      if (!cur) throw new AppError('not_found', 'id: no such mailbox', { fields: [{ field: 'id', message: 'no such mailbox' }] });
      await emailAdminRepo.softDelete(trx, id, ctx.actor.id);
      await recordAudit(trx, ctx, { action: 'email.mailbox.delete', entityType: 'email_configuration', entityId: id, before: { name: cur.name, kind: cur.kind }, after: null });
    });
    this.#domains = undefined;
    this.ingestService.forgetConfiguration();
    for (const f of this.afterConfigChange) f();
  }

  /** Connects with the stored settings and reports the server's own error. */
  async testConnection(ctx: RequestContext, id: string): Promise<{ ok: boolean; error?: string; detail?: Record<string, unknown> }> {
    this.#guard(ctx);
    const row = await emailAdminRepo.get(this.db, id);
    if (!row) throw new AppError('not_found', 'id: no such mailbox', { fields: [{ field: 'id', message: 'no such mailbox' }] });
    let conn;
    try {
      conn = connectionOf(row, this.ring);
    } catch (e) {
      return { ok: false, error: `stored credential cannot be opened: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (row.kind === 'imap') {
      const r = await testImap(conn, optionsOf(row).folder);
      return r.ok ? { ok: true, detail: { messages: r.messages, capabilities: r.capabilities } } : { ok: false, error: r.error };
    }
    if (row.kind === 'pop3') {
      const r = await testPop3(conn);
      return r.ok ? { ok: true, detail: { messages: r.messages } } : { ok: false, error: r.error };
    }
    if (row.kind === 'smtp') return testSmtp(conn);
    return { ok: true, detail: { note: 'webhooks have nothing to connect to' } };
  }

  /** Moves every stored credential to the current key (after rotating OUTPOST_EMAIL_KEY). */
  async reencryptAll(ctx: RequestContext | null): Promise<{ updated: number; total: number }> {
    if (ctx) this.#guard(ctx);
    return this.db.transaction().execute(async (trx) => {
      const rows = await emailAdminRepo.withSecrets(trx);
      let updated = 0;
      for (const r of rows) {
        const next = reseal(this.ring, r.secret_encrypted!);
        if (next !== r.secret_encrypted) {
          await emailAdminRepo.setSecret(trx, r.id, next);
          updated++;
        }
      }
      if (ctx) await recordAudit(trx, ctx, { action: 'email.secrets.reencrypt', entityType: 'email_configuration', after: { updated, total: rows.length, keyId: this.ring.current.id } });
      return { updated, total: rows.length };
    });
  }

  /** Webhook intake: the shared secret of an enabled webhook configuration, compared in constant time. */
  async ingestWebhook(presented: string | null, raw: Buffer): Promise<IngestOutcome> {
    if (!presented) throw new AppError('unauthenticated', 'Send the webhook secret in X-Outpost-Email-Secret');
    const want = digest(presented);
    let match: string | null = null;
    for (const r of await emailAdminRepo.enabledWebhooks(this.db)) {
      let secret: string;
      try {
        secret = open(this.ring, r.secret_encrypted!);
      } catch {
        continue;
      }
      // Fixed-length digests: the comparison takes the same time whatever the secrets' lengths.
      if (timingSafeEqual(digest(secret), want)) match = r.id;
    }
    if (!match) throw new AppError('unauthenticated', 'Wrong webhook secret');
    if (!raw.length) throw new AppError('validation', 'body: is empty; send the raw message (message/rfc822)', { fields: [{ field: 'body', message: 'is empty' }] });
    return this.ingestService.ingestGrouped(raw, { channel: 'webhook', mailboxId: match });
  }

  /** Domains we accept mail for, and the configuration each local part belongs to (inbound SMTP relay check). */
  async acceptedRecipient(address: string): Promise<{ mailboxId: string | null } | null> {
    if (!this.#domains || Date.now() - this.#domains.at > 5_000) {
      const rows = await emailAdminRepo.addresses(this.db);
      this.#domains = {
        at: Date.now(),
        list: rows.flatMap((r) => {
          const p = r.address ? splitPlusAddress(r.address) : null;
          if (!p) return [];
          // A relay's reply domain receives the replies to its signed addresses.
          const reply = (r.settings as { replyDomain?: unknown } | null)?.replyDomain;
          const own = { domain: p.domain, local: p.local, id: r.id };
          return typeof reply === 'string' && reply ? [own, { domain: reply, local: p.local, id: r.id }] : [own];
        })
      };
    }
    const p = splitPlusAddress(address);
    if (!p) return null;
    const same = this.#domains.list.filter((d) => d.domain === p.domain);
    if (!same.length) return null;
    return { mailboxId: same.find((d) => d.local === p.local)?.id ?? null };
  }

  /** One message of an intake that answers per message (inbound SMTP): group commit, settled after COMMIT. */
  ingest(raw: Buffer, src: { channel: IngestChannel; mailboxId: string | null }, expectedKey?: string) {
    return this.ingestService.ingestGrouped(raw, src, expectedKey);
  }

  /** A message is on its way on an intake connection (group commit waits briefly for it); see EmailIngestService.expect. */
  expect(key: string) {
    this.ingestService.expect(key);
  }
  unexpect(key: string) {
    this.ingestService.unexpect(key);
  }
}
