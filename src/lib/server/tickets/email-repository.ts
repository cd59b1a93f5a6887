// Ticket queries the email channel needs (kept apart from repository.ts, which another area edits).
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';

export const ticketsEmailRepo = {
  /** The ticket with this human number, for subject tokens and reply addresses. */
  byNumber(db: Kysely<DB>, number: number) {
    return db.selectFrom('tickets').select(['id', 'number', 'status', 'requester_id', 'cc_emails']).where('number', '=', String(number)).where('deleted_at', 'is', null).executeTakeFirst();
  },
  byId(db: Kysely<DB>, id: string) {
    return db.selectFrom('tickets').select(['id', 'number', 'status', 'requester_id', 'cc_emails', 'merged_into_id']).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  },
  insertLink(db: Kysely<DB>, row: { ticket_id: string; linked_ticket_id: string; kind: 'follow_up_of'; created_by: string | null }) {
    return db
      .insertInto('ticket_links')
      .values({ ...row, updated_by: row.created_by })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
};
