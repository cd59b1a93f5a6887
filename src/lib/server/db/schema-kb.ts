// Tables of the knowledge base added by migration 0012_kb.sql (kb_articles and its versions,
// categories and embeddings are in schema-service-desk.ts).
import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface KbArticleFeedbackTable {
  article_id: string;
  user_id: string;
  helpful: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface KbTables {
  kb_article_feedback: KbArticleFeedbackTable;
}
