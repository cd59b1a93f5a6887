// The AI assistant's edge schemas: admin configuration (the key itself is write-only), the chat
// API, and the `ai:response` events streamed over /ws. Pure: no I/O.
import { z } from 'zod';

export const DEFAULT_MODEL = 'openai/gpt-oss-20b';
export const DEFAULT_BASE_URL = 'https://api.groq.com';

/** Bounds of one turn (one user question): model round trips, wall time, tokens. */
export const AiLimits = z.object({
  /** Model calls per turn (each tool round is one step; the answer is the last). */
  maxSteps: z.number().int().min(1).max(20),
  /** Wall time of a whole turn, model time included. */
  maxTurnMs: z.number().int().min(1_000).max(300_000),
  /** Tokens (prompt + completion, summed over the steps) one turn may spend. */
  maxTurnTokens: z.number().int().min(500).max(1_000_000),
  /** `max_completion_tokens` of each model call. */
  maxOutputTokens: z.number().int().min(16).max(32_768),
  /** Turns a user may start per window (429 with Retry-After beyond). */
  turnsPerWindow: z.number().int().min(1).max(10_000),
  windowSeconds: z.number().int().min(1).max(86_400),
  /** Longest wait for a provider 429's retry-after before giving up with a message. */
  maxProviderRetryWaitMs: z.number().int().min(0).max(60_000)
});
export type AiLimits = z.infer<typeof AiLimits>;

export const DEFAULT_LIMITS: AiLimits = {
  maxSteps: 6,
  maxTurnMs: 60_000,
  maxTurnTokens: 24_000,
  maxOutputTokens: 1_024,
  turnsPerWindow: 20,
  windowSeconds: 300,
  maxProviderRetryWaitMs: 10_000
};

const BaseUrl = z
  .string()
  .trim()
  .url('must be a URL')
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
  .transform((u) => u.replace(/\/+$/, ''));

/** Stored as the `ai.config` system setting (not secret). */
export const AiConfig = z.object({
  enabled: z.boolean(),
  model: z.string().trim().min(1).max(120),
  /** Host root; the SDK appends `/openai/v1/...`. Null: OUTPOST_GROQ_BASE_URL or api.groq.com. */
  baseUrl: BaseUrl.nullable(),
  limits: AiLimits
});
export type AiConfig = z.infer<typeof AiConfig>;

export const DEFAULT_CONFIG: AiConfig = { enabled: true, model: DEFAULT_MODEL, baseUrl: null, limits: DEFAULT_LIMITS };

/** PUT /api/v1/admin/ai. `apiKey`: a string sets it, null removes it, absent keeps it. */
export const AiConfigPatch = z
  .object({
    enabled: z.boolean(),
    model: z.string().trim().min(1).max(120),
    baseUrl: BaseUrl.nullable(),
    limits: AiLimits.partial(),
    apiKey: z.string().trim().min(8, 'is too short to be an API key').max(500).nullable()
  })
  .partial()
  .strict();
export type AiConfigPatch = z.infer<typeof AiConfigPatch>;

/** What the admin screen sees: never the key, only whether one is stored. */
export const AiConfigView = z
  .object({
    enabled: z.boolean(),
    model: z.string(),
    baseUrl: z.string().nullable(),
    effectiveBaseUrl: z.string(),
    limits: AiLimits,
    hasKey: z.boolean(),
    keyUpdatedAt: z.iso.datetime().nullable()
  })
  .meta({ id: 'AiConfig' });
export type AiConfigView = z.infer<typeof AiConfigView>;

export const AiKeyTestResult = z
  .object({ ok: z.boolean(), ms: z.number(), model: z.string(), modelAvailable: z.boolean().nullable(), message: z.string() })
  .meta({ id: 'AiKeyTestResult' });

/** GET /api/v1/ai/status: may the widget chat, or should it offer KB search and a ticket form? */
export const AiStatus = z
  .object({ available: z.boolean(), reason: z.enum(['ok', 'no_key', 'disabled', 'forbidden']), tools: z.array(z.string()) })
  .meta({ id: 'AiStatus' });

export const ConversationIdParam = z.object({ id: z.uuid({ message: 'must be a conversation id (uuid)' }) });

export const MessageBody = z
  .object({
    content: z.string().trim().min(1, 'is empty').max(4_000, 'is longer than 4000 characters'),
    /** A client-made id for the user's message (idempotent retry of the same POST). */
    clientMessageId: z.uuid().optional()
  })
  .strict();
export type MessageBody = z.infer<typeof MessageBody>;

export const ConversationCreateBody = z.object({ title: z.string().trim().min(1).max(200).optional() }).strict();

/** A chat message as the owner sees it (tool plumbing is summarised, not shown raw). */
export const ChatMessage = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  at: z.string(),
  turnId: z.string().nullable(),
  /** Tools the assistant used for this answer, with their outcome. */
  tools: z.array(z.object({ name: z.string(), outcome: z.enum(['ok', 'error', 'refused']) })).optional(),
  /** Links the answer refers to (a created ticket, articles found). */
  links: z.array(z.object({ kind: z.enum(['ticket', 'article']), id: z.string(), label: z.string(), href: z.string() })).optional()
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const ConversationSummary = z
  .object({ id: z.uuid(), title: z.string().nullable(), status: z.string(), lastMessageAt: z.iso.datetime().nullable(), createdAt: z.iso.datetime(), ticketId: z.uuid().nullable() })
  .meta({ id: 'AiConversationSummary' });

export const ConversationView = ConversationSummary.extend({
  messages: z.array(ChatMessage),
  running: z.boolean(),
  tokens: z.object({ prompt: z.number(), completion: z.number(), total: z.number() })
}).meta({ id: 'AiConversation' });

export const TurnStarted = z
  .object({ conversationId: z.uuid(), turnId: z.uuid(), messageId: z.string() })
  .meta({ id: 'AiTurnStarted' });


// ── `ai:response` over /ws (to the asking user's sockets only) ────────────────────────────────
// phase: start → (delta | tool)* → (final | error). `seq` orders the events of one turn.
export type AiResponseEvent =
  | { type: 'ai:response'; phase: 'start'; conversationId: string; turnId: string; seq: number }
  | { type: 'ai:response'; phase: 'delta'; conversationId: string; turnId: string; seq: number; text: string }
  | {
      type: 'ai:response';
      phase: 'tool';
      conversationId: string;
      turnId: string;
      seq: number;
      tool: string;
      callId: string;
      status: 'running' | 'ok' | 'error' | 'refused';
      /** What the UI may show (e.g. the created ticket's number), never raw tool output. */
      summary?: string;
      link?: { kind: 'ticket' | 'article'; id: string; label: string; href: string };
    }
  | { type: 'ai:response'; phase: 'retrying'; conversationId: string; turnId: string; seq: number; retryAfterMs: number }
  | { type: 'ai:response'; phase: 'final'; conversationId: string; turnId: string; seq: number; message: ChatMessage; stopReason: string; usage: { prompt: number; completion: number; total: number } }
  | { type: 'ai:response'; phase: 'error'; conversationId: string; turnId: string; seq: number; code: string; message: string; retryAfterSeconds?: number };
