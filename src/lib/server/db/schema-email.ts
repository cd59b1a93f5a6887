// Tables of the email channel (migration 0006_email.sql). email_messages and
// email_configurations themselves are in schema-service-desk.ts.
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;
type Audit = {
  created_at: Timestamp;
  updated_at: Timestamp;
  created_by: string | null;
  updated_by: string | null;
};

export interface EmailRawMessagesTable extends Audit {
  email_message_id: string;
  raw: Buffer;
}

export interface EmailAttachmentsTable extends Audit {
  id: Generated<string>;
  email_message_id: string;
  ticket_id: string | null;
  comment_id: string | null;
  file_name: string;
  mime_type: string;
  size_bytes: Int8;
  sha256: string | null;
  content_id: string | null;
  inline: Generated<boolean>;
  file_id: string | null;
}

export interface EmailTables {
  email_raw_messages: EmailRawMessagesTable;
  email_attachments: EmailAttachmentsTable;
}
