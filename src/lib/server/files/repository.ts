// Queries of `files` and `ticket_attachments`. No rules here: the service decides.
import type { Insertable, Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { FilesTable, TicketAttachmentsTable } from '../db/schema-service-desk';

const FILE_COLUMNS = ['id', 'storage_path', 'original_name', 'sanitized_name', 'mime_type', 'size_bytes', 'sha256', 'status', 'owner_type', 'owner_id', 'uploaded_by', 'created_at'] as const;

export const filesRepo = {
  insert(db: Kysely<DB>, row: Insertable<FilesTable>) {
    return db
      .insertInto('files')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .returning(FILE_COLUMNS)
      .executeTakeFirst();
  },
  get(db: Kysely<DB>, id: string) {
    return db.selectFrom('files').select(FILE_COLUMNS).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  },
  /** The files, locked, for attaching (two comments racing for one file: the second sees it attached). */
  lockMany(db: Kysely<DB>, ids: string[]) {
    if (!ids.length) return Promise.resolve([]);
    return db.selectFrom('files').select(FILE_COLUMNS).where('id', 'in', ids).where('deleted_at', 'is', null).forUpdate().execute();
  },
  setOwner(db: Kysely<DB>, ids: string[], owner: { type: 'comment' | 'ticket' | 'kb_article'; id: string }, actorId: string | null) {
    return db.updateTable('files').set({ owner_type: owner.type, owner_id: owner.id, updated_by: actorId }).where('id', 'in', ids).execute();
  },
  insertAttachments(db: Kysely<DB>, rows: Insertable<TicketAttachmentsTable>[]) {
    if (!rows.length) return Promise.resolve([]);
    return db.insertInto('ticket_attachments').values(rows).returning(['id', 'file_id']).execute();
  },
  /** Where an attached file belongs, with what decides who may read it. */
  attachmentOf(db: Kysely<DB>, fileId: string) {
    return db
      .selectFrom('ticket_attachments as a')
      .innerJoin('tickets as t', 't.id', 'a.ticket_id')
      .select(['a.ticket_id', 'a.comment_id', 'a.internal', 'a.requester_id', 't.deleted_at as ticket_deleted_at'])
      .where('a.file_id', '=', fileId)
      .where('a.deleted_at', 'is', null)
      .executeTakeFirst();
  },
  /** kb: what decides who may read a file attached to a KB article. */
  kbArticleOf(db: Kysely<DB>, articleId: string) {
    return db.selectFrom('kb_articles').select(['status', 'audience', 'deleted_at']).where('id', '=', articleId).executeTakeFirst();
  },
  /** Unattached files uploaded before `before` (abandoned: the comment never came). */
  abandoned(db: Kysely<DB>, before: Date, limit: number) {
    return db
      .selectFrom('files')
      .select(['id', 'storage_path'])
      .where('owner_id', 'is', null)
      .where('deleted_at', 'is', null)
      .where('created_at', '<', before)
      .orderBy('created_at')
      .limit(limit)
      .execute();
  },
  /** Deletes an abandoned row only if it is still unattached (an attach may have won the race). */
  deleteIfUnattached(db: Kysely<DB>, id: string) {
    return db.deleteFrom('files').where('id', '=', id).where('owner_id', 'is', null).returning('id').executeTakeFirst();
  }
};

export type FileRow = NonNullable<Awaited<ReturnType<typeof filesRepo.get>>>;
