// Queries of the email channel. No rules here: the ingest service decides.
import { sql, type Insertable, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { EmailMessagesTable } from '../db/schema-service-desk';
import { outDb, type OutDB } from '../db/schema-email-out';

export type FinishSet = { status: 'processed' | 'ignored' | 'failed'; classification?: 'normal' | 'auto_reply' | 'bounce' | 'loop'; ticket_id?: string | null; comment_id?: string | null; error?: string | null };
export type FinishRow = FinishSet & { id: string; processed_at: Date };

function finishSql(rows: FinishRow[]) {
  const json = JSON.stringify(rows.map((r) => ({ ...r, processed_at: r.processed_at.toISOString() })));
  return sql`update email_messages m
                set status = v.status, classification = coalesce(v.classification, m.classification), ticket_id = coalesce(v.ticket_id, m.ticket_id),
                    comment_id = coalesce(v.comment_id, m.comment_id), error = coalesce(v.error, m.error), processed_at = v.processed_at, attempts = m.attempts + 1
               from jsonb_to_recordset(${json}::jsonb) as v(id uuid, status text, classification text, ticket_id uuid, comment_id uuid, error text, processed_at timestamptz)
              where m.id = v.id`;
}

export const emailRepo = {
  /** Inserts the message unless its Message-ID (per direction) or mailbox UID/UIDL is already recorded. */
  insertMessage(db: Kysely<DB>, row: Insertable<EmailMessagesTable>) {
    return db
      .insertInto('email_messages')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .returning(['id'])
      .executeTakeFirst();
  },
  /** insertMessage and insertRaw as one statement (a data-modifying CTE): the ingest's hot path. */
  async insertMessageWithRaw(db: Kysely<DB>, row: Insertable<EmailMessagesTable>, raw: Buffer) {
    const r = await db
      .with('m', (q) => q.insertInto('email_messages').values(row).onConflict((oc) => oc.doNothing()).returning(['id']))
      .with('r', (q) => q.insertInto('email_raw_messages').columns(['email_message_id', 'raw']).expression((eb) => eb.selectFrom('m').select(['m.id', sql<Buffer>`${raw}::bytea`.as('raw')])).onConflict((oc) => oc.doNothing()))
      .selectFrom('m')
      .select('id')
      .executeTakeFirst();
    return r;
  },
  /**
   * insertMessageWithRaw for a group commit's messages, in their order, in one statement: the id
   * per inserted row's Message-ID (a message recorded before, or twice in the list, has none after
   * its first). Each raw goes with the first row of its Message-ID.
   */
  async insertMessagesWithRaw(db: Kysely<DB>, items: { row: Insertable<EmailMessagesTable>; raw: Buffer }[]) {
    if (!items.length) return new Map<string, string>();
    const raws = sql.join(items.map((it, i) => sql`(${it.row.message_id}, ${it.raw}::bytea, ${i}::int)`));
    const rows = await db
      .with('m', (q) =>
        q
          .insertInto('email_messages')
          .values(items.map((it) => it.row))
          .onConflict((oc) => oc.doNothing())
          .returning(['id', 'message_id'])
      )
      // Kysely writes a raw CTE body as it is: the parentheses are ours.
      .with('r', () => sql`(insert into email_raw_messages (email_message_id, raw) select distinct on (m.id) m.id, v.raw from m join (values ${raws}) as v(message_id, raw, n) on v.message_id = m.message_id order by m.id, v.n on conflict do nothing)`)
      .selectFrom('m')
      .select(['id', 'message_id'])
      .execute();
    return new Map(rows.map((r) => [r.message_id, r.id]));
  },
  insertRaw(db: Kysely<DB>, emailMessageId: string, raw: Buffer) {
    return db.insertInto('email_raw_messages').values({ email_message_id: emailMessageId, raw }).onConflict((oc) => oc.doNothing()).execute();
  },
  insertAttachments(db: Kysely<DB>, rows: Insertable<DB['email_attachments']>[]) {
    return rows.length ? db.insertInto('email_attachments').values(rows).execute() : Promise.resolve();
  },
  finish(db: Kysely<DB>, id: string, set: FinishSet) {
    return db
      .updateTable('email_messages')
      .set({ ...set, processed_at: new Date(), attempts: sql`attempts + 1` })
      .where('id', '=', id)
      .execute();
  },
  /** finish() for several messages in one statement (a group commit's messages, held until its end). */
  finishMany(db: Kysely<DB>, rows: FinishRow[]) {
    return finishSql(rows).execute(db);
  },
  /**
   * A group commit's end in one statement: its messages' final statuses (finishMany, as a CTE) and
   * the outbound rows composed for them (their acknowledgements). Either list may be empty.
   */
  async finishWithOutbound(db: Kysely<DB>, finish: FinishRow[], outbound: Insertable<OutDB['email_messages']>[]) {
    if (!outbound.length) {
      if (finish.length) await finishSql(finish).execute(db);
      return;
    }
    const q = outDb(db);
    // Kysely writes a raw CTE body as it is: the parentheses are ours.
    if (finish.length) await q.with('f', () => sql`(${finishSql(finish)})`).insertInto('email_messages').values(outbound).execute();
    else await q.insertInto('email_messages').values(outbound).execute();
  },
  /** Whether this mailbox already recorded this UID (or UIDL). */
  seenUid(db: Kysely<DB>, mailboxId: string, uidValidity: number, uid: number) {
    return db.selectFrom('email_messages').select('id').where('mailbox_id', '=', mailboxId).where('uid_validity', '=', String(uidValidity)).where('uid', '=', String(uid)).executeTakeFirst();
  },
  seenUids(db: Kysely<DB>, mailboxId: string, uidValidity: number, uids: number[]) {
    if (!uids.length) return Promise.resolve([] as { uid: string | null }[]);
    return db.selectFrom('email_messages').select('uid').where('mailbox_id', '=', mailboxId).where('uid_validity', '=', String(uidValidity)).where('uid', 'in', uids.map(String)).execute();
  },
  seenUidls(db: Kysely<DB>, mailboxId: string, uidls: string[]) {
    if (!uidls.length) return Promise.resolve([] as { uidl: string | null }[]);
    return db.selectFrom('email_messages').select('uidl').where('mailbox_id', '=', mailboxId).where('uidl', 'in', uidls).execute();
  },
  /** The first id (in the caller's order of preference) that is a message of a ticket: outbound ones first. */
  async threadByMessageIds(db: Kysely<DB>, ids: string[]) {
    if (!ids.length) return undefined;
    const rows = await db
      .selectFrom('email_messages')
      .select(['message_id', 'direction', 'ticket_id'])
      .where('message_id', 'in', ids)
      .where('ticket_id', 'is not', null)
      .execute();
    const rank = (r: (typeof rows)[number]) => (r.direction === 'out' ? 0 : 1) * 1e6 + ids.indexOf(r.message_id);
    return rows.sort((a, b) => rank(a) - rank(b))[0];
  },
  /** Advances a mailbox's UID watermark (never backwards), in the caller's transaction. */
  advanceWatermark(db: Kysely<DB>, mailboxId: string, uidValidity: number, uid: number) {
    return db
      .updateTable('email_configurations')
      .set({
        uid_validity: String(uidValidity),
        last_uid: sql`case when uid_validity is distinct from ${String(uidValidity)}::bigint then ${String(uid)}::bigint else greatest(coalesce(last_uid, 0), ${String(uid)}::bigint) end`
      })
      .where('id', '=', mailboxId)
      .execute();
  },
  userByEmail(db: Kysely<DB>, email: string) {
    return db.selectFrom('users').select(['id', 'status']).where(sql`lower(email)`, '=', email.toLowerCase()).where('deleted_at', 'is', null).executeTakeFirst();
  },
  /** A Requester created on first contact (no password, auth provider 'email'); a concurrent creator wins quietly. */
  async createRequester(db: Kysely<DB>, row: { id: string; email: string; name: string }) {
    const inserted = await db
      .insertInto('users')
      .values({ id: row.id, email: row.email, name: row.name, auth_provider: 'email', status: 'active' })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) {
      await db
        .insertInto('user_roles')
        .columns(['user_id', 'role_id'])
        .expression((eb) => eb.selectFrom('roles').select([sql.lit(row.id).as('user_id'), 'id']).where('key', '=', 'requester'))
        .execute();
    }
    return inserted?.id;
  },
  mailbox(db: Kysely<DB>, id: string) {
    return db.selectFrom('email_configurations').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  },
  enabledInbound(db: Kysely<DB>) {
    return db.selectFrom('email_configurations').selectAll().where('deleted_at', 'is', null).where('enabled', '=', true).where('kind', 'in', ['imap', 'pop3']).execute();
  },
  ownAddresses(db: Kysely<DB>) {
    return db.selectFrom('email_configurations').select(['address', 'username', 'kind', 'is_default']).where('deleted_at', 'is', null).execute();
  },
  recordPoll(db: Kysely<DB>, id: string, error: string | null) {
    const now = new Date();
    return db
      .updateTable('email_configurations')
      .set(error ? { last_polled_at: now, last_error: error.slice(0, 2000), last_error_at: now } : { last_polled_at: now, last_success_at: now, last_error: null })
      .where('id', '=', id)
      .execute();
  }
};
