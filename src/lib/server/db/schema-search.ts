// Tables of knowledge-base search (migration 0013_kb_search.sql). kb_articles and kb_embeddings
// themselves are in schema-service-desk.ts.
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Audit = {
  created_at: Timestamp;
  updated_at: Timestamp;
  created_by: string | null;
  updated_by: string | null;
};

export interface KbEmbeddingSettingsTable extends Audit {
  id: Generated<boolean>;
  provider: Generated<'local' | 'openai'>;
  base_url: string | null;
  model: string | null;
  dimension: Generated<number>;
  send_dimensions: Generated<boolean>;
  api_key_encrypted: string | null;
  active_model: Generated<string>;
}

export interface KbEmbeddingRunsTable extends Audit {
  id: Generated<string>;
  model: string;
  status: Generated<'queued' | 'running' | 'done' | 'failed'>;
  total: Generated<number>;
  done: Generated<number>;
  failed: Generated<number>;
  error: string | null;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
}

export interface SearchTables {
  kb_embedding_settings: KbEmbeddingSettingsTable;
  kb_embedding_runs: KbEmbeddingRunsTable;
}
