// Queries of outbound mail: compose reads (relay, ticket, thread) and the delivery state machine
// queued → sending (lease) → sent | failed → (admin) queued | discarded. No rules here.
import { sql, type Insertable, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { outDb, type OutDB } from '../db/schema-email-out';

const OUT_COLUMNS = ['id', 'message_id', 'in_reply_to', 'references', 'ticket_id', 'from_address', 'from_name', 'to_addresses', 'cc_addresses', 'reply_to', 'subject', 'body_text', 'body_html', 'headers', 'template', 'attempts', 'status'] as const;

export const outboundRepo = {
  /** The default outbound relay (one at most: a unique index). */
  defaultRelay(db: Kysely<DB>) {
    return db.selectFrom('email_configurations').selectAll().where('kind', '=', 'smtp').where('is_default', '=', true).where('deleted_at', 'is', null).executeTakeFirst();
  },
  ticketForMail(db: Kysely<DB>, id: string) {
    return db
      .selectFrom('tickets as t')
      .innerJoin('users as u', 'u.id', 't.requester_id')
      .select(['t.id', 't.number', 't.subject', 't.status', 't.cc_emails', 't.requester_id', 't.resolution_notes', 'u.email as requester_email', 'u.name as requester_name', 'u.status as requester_status'])
      .where('t.id', '=', id)
      .executeTakeFirst();
  },
  userName(db: Kysely<DB>, id: string) {
    return db.selectFrom('users').select(['name']).where('id', '=', id).executeTakeFirst();
  },
  /** The ticket's messages in order (processed inbound, and outbound not given up): the References chain. */
  threadIds(db: Kysely<DB>, ticketId: string) {
    return outDb(db)
      .selectFrom('email_messages')
      .select(['message_id'])
      .where('ticket_id', '=', ticketId)
      .where((eb) => eb.or([eb.and([eb('direction', '=', 'in'), eb('status', '=', 'processed')]), eb.and([eb('direction', '=', 'out'), eb('status', 'in', ['queued', 'sending', 'sent'])])]))
      // A message and the acknowledgement composed in its transaction share created_at: the message first.
      .orderBy('created_at')
      .orderBy(sql`case when direction = 'in' then 0 else 1 end`)
      .orderBy('id')
      .limit(200)
      .execute();
  },
  insertOutbound(db: Kysely<DB>, rows: Insertable<OutDB['email_messages']> | Insertable<OutDB['email_messages']>[]) {
    return outDb(db).insertInto('email_messages').values(rows).execute();
  },
  /**
   * Claims a row for sending: queued, failed-with-a-retry-due, or a 'sending' whose lease ran out
   * (the worker died mid-send). One statement, so two workers never both claim it.
   */
  claim(db: Kysely<DB>, id: string, leaseSeconds: number) {
    return outDb(db)
      .updateTable('email_messages')
      .set({ status: 'sending', attempts: sql`attempts + 1`, next_attempt_at: sql`now() + make_interval(secs => ${leaseSeconds})` })
      .where('id', '=', id)
      .where('direction', '=', 'out')
      .where((eb) =>
        eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'failed'), eb('next_attempt_at', 'is not', null)]), eb.and([eb('status', '=', 'sending'), eb('next_attempt_at', '<', sql<Date>`now()`)])])
      )
      .returning(OUT_COLUMNS)
      .executeTakeFirst();
  },
  /** claim() for several rows in one statement (the deliver job's batch); the rows claimed. */
  claimMany(db: Kysely<DB>, ids: string[], leaseSeconds: number) {
    return outDb(db)
      .updateTable('email_messages')
      .set({ status: 'sending', attempts: sql`attempts + 1`, next_attempt_at: sql`now() + make_interval(secs => ${leaseSeconds})` })
      .where('id', '=', sql<string>`any(${ids}::uuid[])`)
      .where('direction', '=', 'out')
      .where((eb) =>
        eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'failed'), eb('next_attempt_at', 'is not', null)]), eb.and([eb('status', '=', 'sending'), eb('next_attempt_at', '<', sql<Date>`now()`)])])
      )
      .returning(OUT_COLUMNS)
      .execute();
  },
  /** markSent for several rows; `scrub` ones lose their body (one-time links). */
  markSentMany(db: Kysely<DB>, ids: string[], scrub: string[]) {
    return outDb(db)
      .updateTable('email_messages')
      .set({
        status: 'sent',
        sent_at: new Date(),
        error: null,
        next_attempt_at: null,
        ...(scrub.length ? { body_text: sql`case when id = any(${scrub}::uuid[]) then null else body_text end`, body_html: sql`case when id = any(${scrub}::uuid[]) then null else body_html end` } : {})
      })
      .where('id', '=', sql<string>`any(${ids}::uuid[])`)
      .where('status', '=', 'sending')
      .execute();
  },
  markSent(db: Kysely<DB>, id: string, scrub: boolean) {
    return outDb(db)
      .updateTable('email_messages')
      .set({ status: 'sent', sent_at: new Date(), error: null, next_attempt_at: null, ...(scrub ? { body_text: null, body_html: null } : {}) })
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .execute();
  },
  /** retryAt null: permanent (only an admin retry sends it again). */
  markFailed(db: Kysely<DB>, id: string, error: string, retryAt: Date | null) {
    return outDb(db).updateTable('email_messages').set({ status: 'failed', error: error.slice(0, 2000), next_attempt_at: retryAt }).where('id', '=', id).where('status', '=', 'sending').execute();
  },
  listFailed(db: Kysely<DB>, limit: number) {
    return outDb(db)
      .selectFrom('email_messages as m')
      .leftJoin('tickets as t', 't.id', 'm.ticket_id')
      .select(['m.id', 'm.to_addresses', 'm.cc_addresses', 'm.subject', 'm.template', 'm.attempts', 'm.error', 'm.next_attempt_at', 'm.created_at', 'm.updated_at', 'm.ticket_id', 't.number as ticket_number'])
      .where('m.direction', '=', 'out')
      .where('m.status', '=', 'failed')
      .orderBy('m.updated_at', 'desc')
      .limit(limit)
      .execute();
  },
  lockOutbound(db: Kysely<DB>, id: string) {
    return outDb(db).selectFrom('email_messages').select(['id', 'status', 'subject', 'to_addresses', 'template']).where('id', '=', id).where('direction', '=', 'out').forUpdate().executeTakeFirst();
  },
  requeue(db: Kysely<DB>, id: string) {
    return outDb(db).updateTable('email_messages').set({ status: 'queued', next_attempt_at: new Date() }).where('id', '=', id).execute();
  },
  discard(db: Kysely<DB>, id: string, scrub: boolean) {
    return outDb(db)
      .updateTable('email_messages')
      .set({ status: 'discarded', next_attempt_at: null, ...(scrub ? { body_text: null, body_html: null } : {}) })
      .where('id', '=', id)
      .execute();
  }
};
