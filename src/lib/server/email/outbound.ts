// Outbound mail (ARCHITECTURE §8): compose, then deliver.
//   * Compose runs inside the caller's transaction (an agent's public reply, a ticket created from
//     email, a resolution, a notification, a password reset): it renders the template once,
//     fixes the Message-ID (`outpost.<uuid>@<relay domain>`), In-Reply-To and References (the
//     ticket's chain of messages) and the signed reply address, stores the row (queued) and
//     enqueues `email.deliver` in the same transaction. A rolled-back change mails nobody.
//   * Deliver (a pg-boss job, retried with backoff) only sends the stored row: claim it (one
//     statement, with a lease), send it with nodemailer over the default relay, mark it sent. A
//     retry never repeats domain logic; a crash between the relay's 250 and "sent" resends the same
//     Message-ID once the lease expires (receivers, ours included, drop the duplicate).
// Without a default relay nothing is composed (there is no one to send it).
import nodemailer, { type Transporter, type TransportOptions } from 'nodemailer';
import type { Insertable, Kysely, Selectable } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { DB } from '../db/schema';
import type { EmailConfigurationsTable } from '../db/schema-service-desk';
import type { RequestContext } from '../context';
import type { MailTransport, OutboundMessage } from '../notifications/mail';
import type { KnownTicket } from '../tickets/service';
import { jobQueue } from '../jobs/queue';
import { flushHeld, hold } from '../db/held-writes';
import { recordAudit } from '../audit/service';
import { log } from '../log';
import { AppError } from '$lib/domain/common/errors';
import { can } from '$lib/domain/auth/permissions';
import { renderNotification, renderPasswordReset, renderTicketMail, type Rendered, type TicketTemplate } from '$lib/domain/email/templates';
import { connectionOf, type MailboxConnection } from './mailbox-config';
import { outboundRepo } from './outbound-repository';
import type { OutDB } from '../db/schema-email-out';
import { replyAddress } from './reply-address';
import { composeMime } from './mime';
import type { RequesterLinks } from './requester-link';
import type { KeyRing } from './secrets';

export function transportOf(c: MailboxConnection, pool = false) {
  return nodemailer.createTransport({
    host: c.host,
    port: c.port,
    secure: c.security === 'tls',
    requireTLS: c.security === 'starttls',
    ignoreTLS: c.security === 'none',
    auth: c.accessToken ? { type: 'OAuth2', user: c.user, accessToken: c.accessToken } : c.password ? { user: c.user, pass: c.password } : undefined,
    tls: { rejectUnauthorized: c.verifyTls },
    connectionTimeout: 15_000,
    greetingTimeout: 10_000,
    // Pooled (deliver): connections stay open across messages; a batch goes out over up to four.
    ...(pool ? { pool: true, maxConnections: 4 } : {})
  } as TransportOptions);
}

/** EHLO, STARTTLS and AUTH against the relay; the server's reply on failure. */
export async function testSmtp(c: MailboxConnection): Promise<{ ok: boolean; error?: string }> {
  const t = transportOf(c);
  try {
    await t.verify();
    return { ok: true };
  } catch (e) {
    const x = e as { response?: string; message?: string };
    return { ok: false, error: x.response ?? x.message ?? String(e) };
  } finally {
    t.close();
  }
}

type Relay = Selectable<EmailConfigurationsTable>;

/** Templates whose body carries a secret (a one-time link): the stored body is wiped once sent or discarded. */
const SENSITIVE = new Set(['auth.password_reset']);
/** The held-writes kind of composed rows in a batch (the ingest's group commit writes them with its statuses). */
export const HELD_OUTBOUND = 'email.outbound';
const LEASE_SECONDS = 300;

export interface OutboundOptions {
  secret: string;
  ring: KeyRing;
  links: RequesterLinks;
  /** X-Loop value; the intake recognises our own mail coming back by it. */
  loopToken: string;
  /** Absolute base of links in mail (OUTPOST_PUBLIC_URL). */
  baseUrl: () => string;
}

interface Compose {
  template: string;
  to: string[];
  cc?: string[];
  rendered: Rendered;
  ticketId?: string | null;
  ticketNumber?: number;
  commentId?: string | null;
  userId?: string | null;
  /** The message answered (default: the last message of the ticket's thread). */
  inReplyTo?: string | null;
  references?: string[];
  /** RFC 3834: automatic mail says so, so well-behaved auto-responders stay quiet. */
  autoSubmitted?: 'auto-generated' | 'auto-replied';
  data?: Record<string, unknown>;
}

export type TicketMailExtra = { body?: string; authorId?: string | null; commentId?: string; inReplyTo?: string; references?: string[]; surveyUrl?: string; ticket?: KnownTicket };

export class OutboundMail implements MailTransport {
  #relay: { at: number; row: Relay | null } | undefined;
  #transport: { key: string; t: Transporter } | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly opts: OutboundOptions
  ) {}

  /** Drops the cached relay (after an admin change; other instances see it within 5 s). */
  forgetConfiguration() {
    this.#relay = undefined;
  }

  /** Read through `trx` (PGlite has one connection: a read beside the transaction would wait for it). */
  async #relayOf(trx: Kysely<DB>): Promise<Relay | null> {
    if (this.#relay && Date.now() - this.#relay.at < 5_000) return this.#relay.row;
    const row = (await outboundRepo.defaultRelay(trx)) ?? null;
    this.#relay = { at: Date.now(), row: row?.address ? row : null };
    return this.#relay.row;
  }

  #abs(path: string) {
    return /^https?:\/\//.test(path) ? path : `${this.opts.baseUrl().replace(/\/$/, '')}${path.startsWith('/') ? '' : '/'}${path}`;
  }

  /** The signed page a requester without an account uses (also in every ticket mail to them). */
  threadUrl(ticketId: string, userId: string) {
    return this.#abs(`/r/${this.opts.links.sign(ticketId, userId)}`);
  }

  async #store(trx: Kysely<DB>, relay: Relay, c: Compose): Promise<string> {
    const id = uuidv7();
    const domain = relay.address!.split('@')[1].toLowerCase();
    let inReplyTo = c.inReplyTo ?? null;
    let references = c.references ?? [];
    if (c.ticketId && !c.references) {
      await flushHeld(trx); // a batch's held rows are part of the chain
      const chain = (await outboundRepo.threadIds(trx, c.ticketId)).map((r) => r.message_id);
      // RFC 5322 §3.6.4: the first message and the most recent ones (headers stay a sane length).
      references = chain.length > 20 ? [chain[0], ...chain.slice(-19)] : chain;
      inReplyTo ??= chain[chain.length - 1] ?? null;
    }
    if (inReplyTo && !references.includes(inReplyTo)) references = [...references, inReplyTo];
    const headers: Record<string, string> = { 'X-Loop': this.opts.loopToken, 'X-Outpost-Template': c.template };
    if (c.autoSubmitted) headers['Auto-Submitted'] = c.autoSubmitted;
    if (c.ticketNumber) headers['X-Outpost-Ticket'] = String(c.ticketNumber);
    const row: Insertable<OutDB['email_messages']> = {
      id,
      direction: 'out',
      mailbox_id: relay.id,
      message_id: `outpost.${id}@${domain}`,
      in_reply_to: inReplyTo,
      references,
      ticket_id: c.ticketId ?? null,
      comment_id: c.commentId ?? null,
      user_id: c.userId ?? null,
      from_address: relay.address,
      from_name: relay.display_name,
      to_addresses: c.to,
      cc_addresses: c.cc ?? [],
      reply_to: c.ticketNumber ? replyAddress(this.opts.secret, relay.address!, c.ticketNumber, (relay.settings as { replyDomain?: string | null } | null)?.replyDomain) : null,
      subject: c.rendered.subject,
      body_text: c.rendered.text,
      body_html: c.rendered.html,
      headers: JSON.stringify(headers),
      template: c.template,
      template_data: c.data ? JSON.stringify(c.data) : null,
      status: 'queued',
      next_attempt_at: new Date()
    };
    // In a batch (group commit of ingested mail) the rows go in together before COMMIT.
    if (!hold(trx, HELD_OUTBOUND, row, (db, rows) => outboundRepo.insertOutbound(db, rows))) await outboundRepo.insertOutbound(trx, row);
    const q = jobQueue();
    if (q) await q.enqueue(trx, 'email.deliver', { emailMessageId: id });
    else log.warn('email composed without a job queue; it stays queued', { emailMessageId: id });
    return id;
  }

  /**
   * Ticket mail to the requester (with their signed thread link) and, for replies and resolutions,
   * a copy to the addresses copied on the ticket (without the link: it acts as the requester).
   * Returns the requester's message id, or null when nothing was composed.
   */
  async ticketMail(trx: Kysely<DB>, template: TicketTemplate, ticketId: string, extra: TicketMailExtra = {}): Promise<string | null> {
    const relay = await this.#relayOf(trx);
    if (!relay) return null;
    const k = extra.ticket;
    const t = k
      ? { id: ticketId, number: k.number, subject: k.subject, cc_emails: k.ccEmails, requester_id: k.requesterId, requester_email: k.requesterEmail, requester_name: k.requesterName, resolution_notes: null as string | null }
      : await outboundRepo.ticketForMail(trx, ticketId);
    if (!t || ('requester_status' in t && t.requester_status !== 'active') || !t.requester_email) return null;
    const number = Number(t.number);
    const author = extra.authorId ? ((await outboundRepo.userName(trx, extra.authorId))?.name ?? null) : null;
    const base = { number, subject: t.subject, authorName: author, body: extra.body ?? null, resolutionNotes: t.resolution_notes, surveyUrl: extra.surveyUrl ? this.#abs(extra.surveyUrl) : null };
    const auto = template === 'ticket.reply' ? undefined : template === 'ticket.received' ? ('auto-replied' as const) : ('auto-generated' as const);
    const own = relay.address!.toLowerCase();
    const common = { template, ticketId, ticketNumber: number, commentId: extra.commentId ?? null, inReplyTo: extra.inReplyTo, references: extra.references, autoSubmitted: auto };
    const id = await this.#store(trx, relay, {
      ...common,
      to: [t.requester_email],
      userId: t.requester_id,
      rendered: renderTicketMail(template, { ...base, recipientName: t.requester_name, threadUrl: this.threadUrl(t.id, t.requester_id) })
    });
    const cc = t.cc_emails.filter((a) => a && a.toLowerCase() !== t.requester_email.toLowerCase() && a.toLowerCase() !== own);
    if (cc.length && (template === 'ticket.reply' || template === 'ticket.resolved')) {
      await this.#store(trx, relay, { ...common, to: cc, rendered: renderTicketMail(template, { ...base, recipientName: null, threadUrl: null }) });
    }
    return id;
  }

  async passwordReset(trx: Kysely<DB>, m: { to: string; name: string | null; userId: string; url: string; expiresAt: Date }): Promise<string | null> {
    const relay = await this.#relayOf(trx);
    if (!relay) {
      log.warn('password reset requested but no outbound relay is configured; no email sent', { userId: m.userId });
      return null;
    }
    return this.#store(trx, relay, { template: 'auth.password_reset', to: [m.to], userId: m.userId, autoSubmitted: 'auto-generated', rendered: renderPasswordReset({ name: m.name, url: this.#abs(m.url), expiresAt: m.expiresAt.toUTCString() }) });
  }

  /** MailTransport.queue: notification mail (the notifications service composes through this). */
  async queue(trx: Kysely<DB>, m: OutboundMessage): Promise<string> {
    // The survey mail is composed by the survey itself (TicketWorkService.issueSurvey): never twice.
    if (m.template === 'ticket.survey') return '';
    const relay = await this.#relayOf(trx);
    if (!relay) return '';
    const data = { ...m.data, title: m.subject };
    return this.#store(trx, relay, {
      template: m.template,
      to: m.to,
      ticketId: m.ticketId ?? null,
      userId: m.userId ?? null,
      autoSubmitted: 'auto-generated',
      data,
      rendered: renderNotification({ title: m.subject, body: typeof m.data.body === 'string' ? m.data.body : null, link: typeof m.data.link === 'string' ? m.data.link : null }, this.opts.baseUrl())
    });
  }

  async #transportFor(relay: Relay) {
    const key = `${relay.id}:${relay.updated_at.getTime()}`;
    if (this.#transport?.key !== key) {
      this.#transport?.t.close();
      this.#transport = { key, t: transportOf(connectionOf(relay, this.opts.ring), true) };
    }
    return this.#transport.t;
  }

  /** The `email.deliver` job: sends the stored row, nothing else. Throws on a temporary failure (pg-boss retries). */
  async deliver(emailMessageId: string): Promise<'sent' | 'failed' | 'skipped'> {
    const [r] = await this.deliverMany([emailMessageId]);
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  }

  /**
   * A batch of `email.deliver` jobs: one statement claims every row, the messages go out
   * concurrently over the pooled relay connections, one statement marks the sent ones. Each result
   * is its own: a temporary failure rejects only that message's job (pg-boss retries it).
   */
  async deliverMany(ids: string[]): Promise<PromiseSettledResult<'sent' | 'failed' | 'skipped'>[]> {
    const rows = ids.length ? await outboundRepo.claimMany(this.db, ids, LEASE_SECONDS) : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const relay = rows.length ? await this.#relayOf(this.db) : null;
    let transport: Transporter | null = null;
    let transportError: string | null = null;
    if (relay?.address) {
      try {
        transport = await this.#transportFor(relay);
      } catch (e) {
        transportError = `relay credential cannot be opened: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    const sent: string[] = [];
    const results = await Promise.allSettled(
      ids.map(async (id): Promise<'sent' | 'failed' | 'skipped'> => {
        const row = byId.get(id);
        if (!row) return 'skipped';
        if (!relay?.address || !row.from_address) {
          await outboundRepo.markFailed(this.db, row.id, 'no default outbound SMTP relay is configured', null);
          return 'failed';
        }
        if (!transport) {
          await outboundRepo.markFailed(this.db, row.id, transportError ?? 'no transport', null);
          return 'failed';
        }
        const ids = (v: string[]) => v.map((x) => `<${x}>`);
        const envelope = { from: relay.address, to: [...row.to_addresses, ...row.cc_addresses] };
        const fromName = row.from_name ?? relay.display_name ?? '';
        // The MIME text in one synchronous pass; nodemailer's composer only for what that does not cover.
        const raw = composeMime({ from: { name: fromName || null, address: row.from_address }, to: row.to_addresses, cc: row.cc_addresses, replyTo: row.reply_to, subject: row.subject ?? '', text: row.body_text ?? '', html: row.body_html, messageId: row.message_id, inReplyTo: row.in_reply_to, references: row.references, headers: (row.headers ?? {}) as Record<string, string> });
        try {
          if (raw) await transport.sendMail({ envelope, raw });
          else
            await transport.sendMail({
              envelope,
              from: { name: fromName, address: row.from_address },
              to: row.to_addresses,
              cc: row.cc_addresses.length ? row.cc_addresses : undefined,
              replyTo: row.reply_to ?? undefined,
              subject: row.subject ?? '',
              text: row.body_text ?? '',
              html: row.body_html ?? undefined,
              messageId: `<${row.message_id}>`,
              inReplyTo: row.in_reply_to ? `<${row.in_reply_to}>` : undefined,
              references: row.references.length ? ids(row.references) : undefined,
              headers: row.headers ?? {}
            });
        } catch (e) {
          const x = e as { responseCode?: number; response?: string; message?: string };
          const error = x.response ?? x.message ?? String(e);
          // 5xx: the relay refused for good (bad recipient, policy); only an admin retry sends it again.
          const permanent = typeof x.responseCode === 'number' && x.responseCode >= 500;
          const retryAt = permanent ? null : new Date(Date.now() + 30_000 * 2 ** Math.min(row.attempts, 8));
          await outboundRepo.markFailed(this.db, row.id, error, retryAt);
          log.warn('email: delivery failed', { emailMessageId: row.id, attempt: row.attempts, permanent, error });
          if (permanent) return 'failed';
          throw new Error(`delivery of ${row.id} failed (attempt ${row.attempts}): ${error}`);
        }
        sent.push(row.id);
        return 'sent';
      })
    );
    if (sent.length) {
      const scrub = sent.filter((id) => SENSITIVE.has(byId.get(id)!.template ?? ''));
      try {
        await outboundRepo.markSentMany(this.db, sent, scrub);
      } catch (e) {
        // Sent but not recorded: their jobs fail and retry (a resend carries the same Message-ID).
        return results.map((r, i) => (r.status === 'fulfilled' && r.value === 'sent' && sent.includes(ids[i]) ? { status: 'rejected' as const, reason: e } : r));
      }
    }
    return results;
  }

  close() {
    this.#transport?.t.close();
    this.#transport = undefined;
  }

  // ─── Admin: the failed-mail view ────────────────────────────────────────────────────────
  #guard(ctx: RequestContext) {
    if (!can(ctx.actor, 'email.manage')) throw new AppError('forbidden', 'You may not manage email');
  }

  async listFailed(ctx: RequestContext, limit = 200) {
    this.#guard(ctx);
    const rows = await outboundRepo.listFailed(this.db, limit);
    return {
      items: rows.map((r) => ({
        id: r.id,
        to: r.to_addresses,
        cc: r.cc_addresses,
        subject: r.subject,
        template: r.template,
        attempts: r.attempts,
        error: r.error,
        retrying_at: r.next_attempt_at ? r.next_attempt_at.toISOString() : null,
        ticket_id: r.ticket_id,
        ticket_number: r.ticket_number === null ? null : Number(r.ticket_number),
        created_at: r.created_at.toISOString(),
        failed_at: r.updated_at.toISOString()
      }))
    };
  }

  async #act(ctx: RequestContext, id: string, action: 'retry' | 'discard') {
    this.#guard(ctx);
    return this.db.transaction().execute(async (trx) => {
      const row = await outboundRepo.lockOutbound(trx, id);
      if (!row) throw new AppError('not_found', 'id: no such outbound message', { fields: [{ field: 'id', message: 'no such outbound message' }] });
      if (row.status !== 'failed') throw new AppError('conflict', `id: the message is ${row.status}, not failed`, { fields: [{ field: 'id', message: `is ${row.status}` }] });
      if (action === 'retry') {
        await outboundRepo.requeue(trx, id);
        const q = jobQueue();
        if (!q) throw new AppError('unavailable', 'The job queue is not running');
        await q.enqueue(trx, 'email.deliver', { emailMessageId: id });
      } else await outboundRepo.discard(trx, id, SENSITIVE.has(row.template ?? ''));
      await recordAudit(trx, ctx, { action: `email.outbound.${action}`, entityType: 'email_message', entityId: id, before: { status: 'failed' }, after: { status: action === 'retry' ? 'queued' : 'discarded', to: row.to_addresses, subject: row.subject } });
      return { id, status: action === 'retry' ? ('queued' as const) : ('discarded' as const) };
    });
  }

  retry(ctx: RequestContext, id: string) {
    return this.#act(ctx, id, 'retry');
  }
  discard(ctx: RequestContext, id: string) {
    return this.#act(ctx, id, 'discard');
  }
}
