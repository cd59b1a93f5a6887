// Tables of the AI assistant (migration 0014_ai_assistant.sql). ai_conversations itself is in
// schema-service-desk.ts.
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface AiTurnsTable {
  id: Generated<string>;
  conversation_id: string;
  user_id: string;
  status: Generated<'running' | 'done' | 'limited' | 'error'>;
  stop_reason: string | null;
  model: string | null;
  steps: Generated<number>;
  tool_calls: Generated<number>;
  prompt_tokens: Generated<number>;
  completion_tokens: Generated<number>;
  total_tokens: Generated<number>;
  wall_ms: number | null;
  model_ms: number | null;
  error: string | null;
  started_at: Generated<Date>;
  finished_at: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  created_by: string | null;
  updated_by: string | null;
}

export interface AiTables {
  ai_turns: AiTurnsTable;
}
