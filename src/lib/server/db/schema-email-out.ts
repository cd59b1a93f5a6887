// Kysely types for migrations/0015_email_outbound.sql: the rendered message stored at compose time
// on email_messages, on top of the template columns of 0010. Kept apart from ./schema.ts so
// parallel work merges cleanly; `OutDB` is JobsDB plus these.
import type { ColumnType, Kysely } from 'kysely';
import type { DB } from './schema';
import type { JobsDB } from './schema-jobs';

type Json<T = unknown> = ColumnType<T, string | T | undefined, string | T>;
export type OutboundStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'discarded';

export type OutDB = Omit<JobsDB, 'email_messages'> & {
  email_messages: Omit<JobsDB['email_messages'], 'status'> & {
    status: JobsDB['email_messages']['status'] | 'sending' | 'discarded';
    body_text: string | null;
    body_html: string | null;
    headers: Json<Record<string, string>>;
  };
};

/** The same connection or transaction, typed with the 0015 columns. */
export const outDb = (db: Kysely<DB>) => db as unknown as Kysely<OutDB>;
