// The assistant's service: conversations (their owner's only), starting a turn (rate limit, one
// running turn per conversation), running it in the background with the tool loop and streaming
// `ai:response` events to the asking user's sockets, saving what was said and the audit.
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { DB } from '../db/schema';
import type { RequestContext } from '../context';
import type { AiMessage } from '../db/schema-service-desk';
import type { SettingsService } from '../settings/service';
import type { TicketLifecycleService } from '../tickets/lifecycle-service';
import { aiRepo } from './repository';
import { AiConfigService, groqClient, scrub } from './config';
import { AiToolRunner } from './tools';
import { groqStream, runTurn, type ChatStreamFn, type WireMessage } from './loop';
import type { KbSearchPort } from './kb-port';
import { log } from '../log';
import { AppError } from '$lib/domain/common/errors';
import { can, type Actor } from '$lib/domain/auth/permissions';
import { rateLimit } from '$lib/domain/ai/limits';
import { newNonce } from '$lib/domain/ai/delimit';
import { systemPrompt } from '$lib/domain/ai/prompt';
import { toolsFor } from '$lib/domain/ai/tools';
import type { AiResponseEvent, ChatMessage, MessageBody } from '$lib/domain/ai/schemas';

/** Earlier messages sent back to the model (the newest, starting at a user message). */
const HISTORY_MESSAGES = 40;
const HISTORY_CHARS = 40_000;

export interface AiServiceDeps {
  db: Kysely<DB>;
  config: AiConfigService;
  settings: SettingsService;
  tickets: TicketLifecycleService;
  kbSearch: KbSearchPort;
  /** Sends an event to this user's sockets only. */
  publish: (userId: string, event: AiResponseEvent) => void;
  /** Test/bench seam: the provider call (default: groq-sdk with the stored key). */
  stream?: (apiKey: string, baseURL: string) => ChatStreamFn;
}

type Stored = AiMessage & { id?: string; turnId?: string; tool_calls?: WireMessage['tool_calls']; tool_call_id?: string; tools?: ChatMessage['tools']; links?: ChatMessage['links']; error?: boolean };

const isStaff = (a: Actor) => can(a, 'tickets.update');

export class AiService {
  readonly tools: AiToolRunner;
  readonly #running = new Map<string, Promise<void>>();

  constructor(private readonly deps: AiServiceDeps) {
    this.tools = new AiToolRunner(deps.db, deps.tickets, deps.kbSearch);
  }

  get config() {
    return this.deps.config;
  }

  async status(actor: Actor) {
    const tools = toolsFor(actor);
    if (!can(actor, 'ai.use')) return { available: false, reason: 'forbidden' as const, tools: [] };
    const { config, apiKey } = await this.deps.config.load();
    if (!config.enabled) return { available: false, reason: 'disabled' as const, tools };
    if (!apiKey) return { available: false, reason: 'no_key' as const, tools };
    return { available: true, reason: 'ok' as const, tools };
  }

  #assertUse(ctx: RequestContext) {
    if (!can(ctx.actor, 'ai.use')) throw new AppError('forbidden', 'You may not use the AI assistant');
  }

  async createConversation(ctx: RequestContext, title?: string) {
    this.#assertUse(ctx);
    const { config } = await this.deps.config.load();
    const r = await aiRepo.createConversation(this.deps.db, { id: uuidv7(), userId: ctx.actor.id, title: title ?? null, model: config.model });
    return summary(r);
  }

  async listConversations(ctx: RequestContext, limit = 50) {
    this.#assertUse(ctx);
    return { items: (await aiRepo.listOwned(this.deps.db, ctx.actor.id, limit)).map(summary) };
  }

  async getConversation(ctx: RequestContext, id: string) {
    this.#assertUse(ctx);
    const c = await aiRepo.owned(this.deps.db, id, ctx.actor.id);
    if (!c) throw new AppError('not_found', 'id: no such conversation', { fields: [{ field: 'id', message: 'no such conversation' }] });
    // Running on any instance: a turn row still open (and young enough to be alive).
    const { config } = await this.deps.config.load();
    const running = this.#running.has(id) || !!(await aiRepo.runningTurn(this.deps.db, id, new Date(Date.now() - config.limits.maxTurnMs - 30_000)));
    return {
      ...summary(c),
      messages: chatMessages(c.messages as Stored[]),
      running,
      tokens: { prompt: c.prompt_tokens, completion: c.completion_tokens, total: c.total_tokens }
    };
  }

  /** Waits for the background turns (tests, shutdown). */
  async idle() {
    while (this.#running.size) await Promise.allSettled([...this.#running.values()]);
  }

  /** Starts a turn: checks, records the user's message and the turn, runs the loop in the background. */
  async postMessage(ctx: RequestContext, conversationId: string, body: MessageBody) {
    this.#assertUse(ctx);
    const loaded = await this.deps.config.load();
    const { config, apiKey, baseURL } = loaded;
    if (!config.enabled) throw new AppError('unavailable', 'The AI assistant is switched off; search the knowledge base or raise a ticket', { reason: 'disabled' });
    if (!apiKey) throw new AppError('unavailable', 'The AI assistant is not configured (no API key); search the knowledge base or raise a ticket', { reason: 'no_key' });
    const db = this.deps.db;
    const conv = await aiRepo.owned(db, conversationId, ctx.actor.id);
    if (!conv) throw new AppError('not_found', 'id: no such conversation', { fields: [{ field: 'id', message: 'no such conversation' }] });
    const limits = config.limits;
    const turnId = uuidv7();
    const messageId = body.clientMessageId ?? uuidv7();
    const at = new Date();
    await db.transaction().execute(async (trx) => {
      await aiRepo.lockUser(trx, ctx.actor.id);
      const since = new Date(at.getTime() - limits.windowSeconds * 1000);
      const recent = await aiRepo.recentStarts(trx, ctx.actor.id, since, limits.turnsPerWindow);
      const rl = rateLimit(recent.map((r) => r.started_at), limits, at.getTime());
      if (!rl.allowed) throw new AppError('rate_limited', `You asked the assistant too often; try again in ${rl.retryAfterSeconds} s`, { retryAfterSeconds: rl.retryAfterSeconds });
      // A turn still running (younger than the longest a turn may take) keeps the conversation busy.
      if (await aiRepo.runningTurn(trx, conversationId, new Date(at.getTime() - limits.maxTurnMs - 30_000))) {
        throw new AppError('conflict', 'The assistant is still answering in this conversation; wait for it', { reason: 'turn_running' });
      }
      await aiRepo.insertTurn(trx, { id: turnId, conversationId, userId: ctx.actor.id, model: config.model });
      const userMsg: Stored = { id: messageId, role: 'user', content: body.content, at: at.toISOString(), turnId };
      await aiRepo.appendMessages(trx, conversationId, ctx.actor.id, [userMsg], { title: body.content.slice(0, 80), turn: true });
    });
    const history = historyFor(conv.messages as Stored[]);
    const org = await this.deps.settings.get('org.name').catch(() => undefined);
    const tools = toolsFor(ctx.actor);
    const nonce = newNonce();
    const system = systemPrompt({ orgName: org ?? 'Outpost', userName: ctx.actor.name, staff: isStaff(ctx.actor), tools, nonce, now: at });
    const messages: WireMessage[] = [{ role: 'system', content: system }, ...history, { role: 'user', content: body.content }];
    const stream = this.deps.stream ? this.deps.stream(apiKey, baseURL) : groqStream(groqClient(apiKey, baseURL, limits.maxTurnMs));
    const p = this.#run(ctx, { conversationId, turnId, model: config.model, limits, messages, tools, nonce, stream, apiKey }).finally(() => this.#running.delete(conversationId));
    this.#running.set(conversationId, p);
    return { conversationId, turnId, messageId };
  }

  async #run(
    ctx: RequestContext,
    t: { conversationId: string; turnId: string; model: string; limits: import('$lib/domain/ai/schemas').AiLimits; messages: WireMessage[]; tools: ReturnType<typeof toolsFor>; nonce: string; stream: ChatStreamFn; apiKey: string }
  ) {
    const db = this.deps.db;
    const userId = ctx.actor.id;
    let seq = 0;
    const base = { type: 'ai:response' as const, conversationId: t.conversationId, turnId: t.turnId };
    const publish = (e: Record<string, unknown>) => this.deps.publish(userId, { ...base, seq: ++seq, ...e } as AiResponseEvent);
    publish({ phase: 'start' });
    const aiCtx: RequestContext = { ...ctx, source: 'ai' };
    try {
      const r = await runTurn(
        { turnId: t.turnId, ctx: aiCtx, model: t.model, limits: t.limits, messages: t.messages, tools: t.tools, nonce: t.nonce },
        {
          stream: t.stream,
          tools: this.tools,
          emit: (e) => publish(e),
          audit: async (a) => {
            await aiRepo.appendToolCall(db, t.conversationId, a);
            if (a.outcome !== 'ok') log.info('ai tool call not ok', { turnId: t.turnId, tool: a.name, outcome: a.outcome, ms: a.ms });
          }
        }
      );
      const at = new Date().toISOString();
      const tools = r.toolCalls.map((a) => ({ name: a.name, outcome: a.outcome === 'invalid' ? ('error' as const) : a.outcome }));
      const stored: Stored[] = r.added.map((m, i) => {
        const last = i === r.added.length - 1;
        return {
          id: last ? t.turnId : uuidv7(),
          role: m.role,
          content: m.content ?? '',
          at,
          turnId: t.turnId,
          ...(m.tool_calls ? { tool_calls: m.tool_calls } : {}),
          ...(m.tool_call_id ? { tool_call_id: m.tool_call_id } : {}),
          ...(last ? { tools, links: dedupeLinks(r.links), ...(r.error ? { error: true } : {}) } : {})
        };
      });
      const errorText = r.error ? scrub(r.error.message, t.apiKey) : null;
      await aiRepo.appendMessages(db, t.conversationId, userId, stored, { tokens: r.usage, ticketId: r.createdTicketId, error: errorText });
      const status = r.error ? 'error' : r.stopReason === 'answer' ? 'done' : 'limited';
      await aiRepo.finishTurn(db, t.turnId, { status, stopReason: r.stopReason, steps: r.steps, toolCalls: r.toolCalls.length, tokens: r.usage, wallMs: r.wallMs, modelMs: r.modelMs, error: errorText });
      const final = stored.at(-1)!;
      if (r.error) {
        publish({ phase: 'error', code: r.error.code, message: errorText, ...(r.error.retryAfterSeconds ? { retryAfterSeconds: r.error.retryAfterSeconds } : {}) });
      }
      publish({ phase: 'final', message: chatMessages([final])[0], stopReason: r.stopReason, usage: r.usage });
      log.info('ai turn', { turnId: t.turnId, stopReason: r.stopReason, steps: r.steps, tools: r.toolCalls.length, spentTokens: r.usage.total, wallMs: Math.round(r.wallMs), modelMs: Math.round(r.modelMs) });
    } catch (e) {
      const message = 'The assistant failed unexpectedly; please try again.';
      log.error('ai turn failed', { turnId: t.turnId, error: e instanceof Error ? scrub(e.message, t.apiKey) : 'unknown' });
      await aiRepo.finishTurn(db, t.turnId, { status: 'error', stopReason: 'internal', steps: 0, toolCalls: 0, tokens: { prompt: 0, completion: 0, total: 0 }, wallMs: 0, modelMs: 0, error: message }).catch(() => {});
      await aiRepo
        .appendMessages(db, t.conversationId, userId, [{ id: t.turnId, role: 'assistant', content: message, at: new Date().toISOString(), turnId: t.turnId, error: true } as Stored], { error: message })
        .catch(() => {});
      publish({ phase: 'error', code: 'internal', message });
    }
  }
}

function summary(c: { id: string; title: string | null; status: string; last_message_at: Date | null; created_at: Date; ticket_id: string | null }) {
  return { id: c.id, title: c.title, status: c.status, lastMessageAt: c.last_message_at?.toISOString() ?? null, createdAt: c.created_at.toISOString(), ticketId: c.ticket_id };
}

function dedupeLinks(links: NonNullable<ChatMessage['links']>) {
  const seen = new Set<string>();
  return links.filter((l) => (seen.has(l.kind + l.id) ? false : (seen.add(l.kind + l.id), true)));
}

/** What the owner sees: their questions and the answers (tool plumbing summarised on the answer). */
export function chatMessages(stored: Stored[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const m of stored) {
    if (m.role !== 'user' && m.role !== 'assistant') continue;
    if (m.role === 'assistant' && m.tool_calls?.length && !m.content) continue;
    if (m.role === 'assistant' && m.tool_calls?.length) continue;
    out.push({ id: String(m.id ?? ''), role: m.role, content: m.content ?? '', at: String(m.at ?? ''), turnId: m.turnId ?? null, ...(m.tools ? { tools: m.tools } : {}), ...(m.links ? { links: m.links } : {}) });
  }
  return out;
}

/** The earlier conversation for the model: newest messages within the budget, starting at a user message; failed answers left out. */
export function historyFor(stored: Stored[]): WireMessage[] {
  const wire: WireMessage[] = stored
    .filter((m) => !m.error && (m.role === 'user' || m.role === 'assistant' || m.role === 'tool'))
    .map((m) => ({
      role: m.role as WireMessage['role'],
      content: m.content ?? '',
      ...(m.tool_calls ? { tool_calls: m.tool_calls } : {}),
      ...(m.tool_call_id ? { tool_call_id: m.tool_call_id } : {})
    }));
  let start = Math.max(0, wire.length - HISTORY_MESSAGES);
  let chars = 0;
  for (let i = wire.length - 1; i >= start; i--) {
    chars += (wire[i].content ?? '').length;
    if (chars > HISTORY_CHARS) {
      start = i + 1;
      break;
    }
  }
  while (start < wire.length && wire[start].role !== 'user') start++;
  // A dangling user message (its turn failed before answering) would make two user messages in a row.
  // The new question follows this history, so a trailing one is dangling too.
  const out = wire.slice(start);
  return out.filter((m, i) => !(m.role === 'user' && (i === out.length - 1 || out[i + 1]?.role === 'user')));
}
