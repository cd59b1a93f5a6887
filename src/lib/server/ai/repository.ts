// Queries of the AI assistant: conversations (owner-scoped), turns (rate limit, outcome), its two
// system_settings rows, and the plain full-text KB search behind the KbSearchPort.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { AiMessage, AiToolCall } from '../db/schema-service-desk';

export const AI_CONFIG_KEY = 'ai.config';
export const AI_KEY_KEY = 'ai.apiKey';

const json = (v: unknown) => sql`${JSON.stringify(v)}::jsonb`;

export const aiRepo = {
  // ── settings ───────────────────────────────────────────────────────────────────────────────
  settings(db: Kysely<DB>) {
    return db.selectFrom('system_settings').select(['key', 'value', 'updated_at']).where('key', 'in', [AI_CONFIG_KEY, AI_KEY_KEY]).execute();
  },
  putSetting(db: Kysely<DB>, key: string, value: unknown, secret: boolean, actorId: string | null, description: string) {
    return db
      .insertInto('system_settings')
      .values({ key, value: JSON.stringify(value), is_secret: secret, description, created_by: actorId, updated_by: actorId })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value), is_secret: secret, updated_by: actorId, updated_at: new Date() }))
      .execute();
  },
  deleteSetting(db: Kysely<DB>, key: string) {
    return db.deleteFrom('system_settings').where('key', '=', key).execute();
  },

  // ── conversations ──────────────────────────────────────────────────────────────────────────
  createConversation(db: Kysely<DB>, v: { id: string; userId: string; title: string | null; model: string | null }) {
    return db
      .insertInto('ai_conversations')
      .values({ id: v.id, user_id: v.userId, title: v.title, model: v.model, messages: '[]', tool_calls: '[]', created_by: v.userId, updated_by: v.userId })
      .returning(['id', 'title', 'status', 'last_message_at', 'created_at', 'ticket_id'])
      .executeTakeFirstOrThrow();
  },
  /** The owner's conversation, or nothing (someone else's does not exist for them). */
  owned(db: Kysely<DB>, id: string, userId: string) {
    return db
      .selectFrom('ai_conversations')
      .select(['id', 'title', 'status', 'messages', 'last_message_at', 'created_at', 'ticket_id', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'turn_count'])
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  },
  listOwned(db: Kysely<DB>, userId: string, limit: number) {
    return db
      .selectFrom('ai_conversations')
      .select(['id', 'title', 'status', 'last_message_at', 'created_at', 'ticket_id'])
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .orderBy(sql`coalesce(last_message_at, created_at)`, 'desc')
      .limit(limit)
      .execute();
  },
  appendMessages(db: Kysely<DB>, id: string, userId: string, messages: AiMessage[], extra: { title?: string; tokens?: { prompt: number; completion: number; total: number }; ticketId?: string | null; error?: string | null; turn?: boolean } = {}) {
    return db
      .updateTable('ai_conversations')
      .set((eb) => ({
        messages: sql<AiMessage[]>`messages || ${json(messages)}`,
        last_message_at: new Date(),
        updated_by: userId,
        ...(extra.title ? { title: sql<string>`coalesce(title, ${extra.title})` } : {}),
        ...(extra.tokens
          ? {
              prompt_tokens: eb('prompt_tokens', '+', extra.tokens.prompt),
              completion_tokens: eb('completion_tokens', '+', extra.tokens.completion),
              total_tokens: eb('total_tokens', '+', extra.tokens.total)
            }
          : {}),
        ...(extra.ticketId ? { ticket_id: extra.ticketId } : {}),
        ...(extra.error !== undefined ? { last_error: extra.error } : {}),
        ...(extra.turn ? { turn_count: eb('turn_count', '+', 1) } : {})
      }))
      .where('id', '=', id)
      .execute();
  },
  /** One audited tool call, appended as it finishes (a crash later keeps it). */
  appendToolCall(db: Kysely<DB>, id: string, call: object) {
    return db
      .updateTable('ai_conversations')
      .set({ tool_calls: sql<AiToolCall[]>`tool_calls || ${json([call])}` })
      .where('id', '=', id)
      .execute();
  },
  toolCalls(db: Kysely<DB>, id: string) {
    return db.selectFrom('ai_conversations').select(['tool_calls']).where('id', '=', id).executeTakeFirst();
  },

  // ── turns ──────────────────────────────────────────────────────────────────────────────────
  /** Serialises turn starts of one user (the rate-limit count and the insert are one decision). */
  lockUser(db: Kysely<DB>, userId: string) {
    return sql`select pg_advisory_xact_lock(hashtext(${'outpost.ai:' + userId}))`.execute(db);
  },
  recentStarts(db: Kysely<DB>, userId: string, since: Date, limit: number) {
    return db.selectFrom('ai_turns').select(['started_at']).where('user_id', '=', userId).where('started_at', '>', since).orderBy('started_at', 'desc').limit(limit).execute();
  },
  runningTurn(db: Kysely<DB>, conversationId: string, since: Date) {
    return db.selectFrom('ai_turns').select(['id']).where('conversation_id', '=', conversationId).where('status', '=', 'running').where('started_at', '>', since).executeTakeFirst();
  },
  insertTurn(db: Kysely<DB>, v: { id: string; conversationId: string; userId: string; model: string }) {
    return db.insertInto('ai_turns').values({ id: v.id, conversation_id: v.conversationId, user_id: v.userId, model: v.model, created_by: v.userId, updated_by: v.userId }).execute();
  },
  finishTurn(
    db: Kysely<DB>,
    id: string,
    v: { status: 'done' | 'limited' | 'error'; stopReason: string; steps: number; toolCalls: number; tokens: { prompt: number; completion: number; total: number }; wallMs: number; modelMs: number; error: string | null }
  ) {
    return db
      .updateTable('ai_turns')
      .set({
        status: v.status,
        stop_reason: v.stopReason,
        steps: v.steps,
        tool_calls: v.toolCalls,
        prompt_tokens: v.tokens.prompt,
        completion_tokens: v.tokens.completion,
        total_tokens: v.tokens.total,
        wall_ms: Math.round(v.wallMs),
        model_ms: Math.round(v.modelMs),
        error: v.error,
        finished_at: new Date()
      })
      .where('id', '=', id)
      .execute();
  },
  turn(db: Kysely<DB>, id: string) {
    return db
      .selectFrom('ai_turns')
      .select(['id', 'conversation_id', 'user_id', 'status', 'stop_reason', 'steps', 'tool_calls', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'wall_ms', 'model_ms', 'error'])
      .where('id', '=', id)
      .executeTakeFirst();
  },

  // ── tickets and KB for the tools ───────────────────────────────────────────────────────────
  ticketIdByNumber(db: Kysely<DB>, number: number) {
    return db.selectFrom('tickets').select(['id']).where('number', '=', String(number)).executeTakeFirst();
  },
};
