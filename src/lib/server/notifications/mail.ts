// Outbound notification mail: queued as rows in email_messages (direction out, status queued) by a
// MailTransport inside the notifying transaction, plus an `email.deliver` job enqueued in the same
// transaction. Delivery is the email issue's: it supplies a MailSender (SMTP via nodemailer) with
// setMailSender(); until then deliver() leaves the row `queued` — nothing here pretends to send.
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { DB } from '../db/schema';
import { jobsDb } from '../db/schema-jobs';
import { jobQueue } from '../jobs/queue';
import { config } from '../config';
import { log } from '../log';

export interface OutboundMessage {
  to: string[];
  subject: string;
  /** What to render: the notification type (ticket.assigned, sla.breached, escalation…). */
  template: string;
  data: Record<string, unknown>;
  ticketId?: string | null;
  userId?: string | null;
}

/** A queued row as a sender sees it. */
export interface QueuedMail {
  id: string;
  messageId: string;
  to: string[];
  subject: string | null;
  template: string | null;
  data: Record<string, unknown> | null;
  ticketId: string | null;
  attempts: number;
}

/** The SMTP seam (email issue): send one rendered message or throw. */
export interface MailSender {
  send(mail: QueuedMail): Promise<void>;
}

export interface MailTransport {
  /** Queues the message in `trx`; returns the email_messages id. */
  queue(trx: Kysely<DB>, message: OutboundMessage): Promise<string>;
  /** Delivers one queued row: sent, failed (retry later), or deferred (no sender configured; the row stays queued). */
  deliver(emailMessageId: string): Promise<'sent' | 'failed' | 'deferred' | 'skipped'>;
}

export class QueuedMailTransport implements MailTransport {
  sender: MailSender | null = null;
  constructor(private readonly db: Kysely<DB>) {}

  async queue(trx: Kysely<DB>, m: OutboundMessage): Promise<string> {
    const id = uuidv7();
    const host = (() => {
      try {
        return config().OUTPOST_PUBLIC_URL ? new URL(config().OUTPOST_PUBLIC_URL!).hostname : 'outpost.invalid';
      } catch {
        return 'outpost.invalid';
      }
    })();
    await jobsDb(trx)
      .insertInto('email_messages')
      .values({
        id,
        direction: 'out',
        message_id: `${id}@${host}`,
        ticket_id: m.ticketId ?? null,
        user_id: m.userId ?? null,
        to_addresses: m.to,
        subject: m.subject,
        template: m.template,
        template_data: JSON.stringify(m.data),
        status: 'queued',
        next_attempt_at: new Date()
      })
      .execute();
    // The row is the durable queue; the job only wakes the sender. Without a running queue (a
    // one-off script) the row stays queued for the sender's own sweep.
    const q = jobQueue();
    if (q) await q.enqueue(trx, 'email.deliver', { emailMessageId: id });
    else log.debug('email queued without a job queue', { emailMessageId: id });
    return id;
  }

  async deliver(emailMessageId: string) {
    const db = jobsDb(this.db);
    const row = await db
      .selectFrom('email_messages')
      .select(['id', 'message_id', 'to_addresses', 'subject', 'template', 'template_data', 'ticket_id', 'attempts', 'status'])
      .where('id', '=', emailMessageId)
      .where('direction', '=', 'out')
      .executeTakeFirst();
    if (!row || row.status === 'sent') return 'skipped' as const;
    if (!this.sender) {
      log.debug('no mail sender configured; message stays queued', { emailMessageId });
      return 'deferred' as const;
    }
    const mail: QueuedMail = { id: row.id, messageId: row.message_id, to: row.to_addresses, subject: row.subject, template: row.template, data: row.template_data, ticketId: row.ticket_id, attempts: row.attempts };
    try {
      await this.sender.send(mail);
      await db.updateTable('email_messages').set({ status: 'sent', sent_at: new Date(), attempts: row.attempts + 1, error: null }).where('id', '=', row.id).execute();
      return 'sent' as const;
    } catch (e) {
      await db
        .updateTable('email_messages')
        .set({ status: 'failed', attempts: row.attempts + 1, error: e instanceof Error ? e.message.slice(0, 1000) : 'send failed', next_attempt_at: new Date(Date.now() + 60_000 * 2 ** Math.min(row.attempts, 6)) })
        .where('id', '=', row.id)
        .execute();
      throw e;
    }
  }
}

const TRANSPORT = Symbol.for('outpost.mail');
type G = typeof globalThis & { [TRANSPORT]?: MailTransport };
const g = globalThis as G;
export function setMailTransport(t: MailTransport | undefined) {
  g[TRANSPORT] = t;
}
export function mailTransport(): MailTransport | undefined {
  return g[TRANSPORT];
}
