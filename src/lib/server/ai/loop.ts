// One turn of the assistant: model call (streamed) → tool calls run as the user → model call …
// until the model answers or a limit (steps, wall time, tokens) stops it. Content deltas and tool
// progress are emitted as they happen; every tool call is audited (name, arguments, ms, outcome).
// A provider 429 is retried once after its retry-after when that fits the turn, then reported.
import Groq from 'groq-sdk';
import type { ChatCompletionCreateParamsStreaming } from 'groq-sdk/resources/chat/completions';
import type { RequestContext } from '../context';
import { CompletionAssembler, type ChunkLike } from '$lib/domain/ai/stream';
import { parseToolCall, TOOL_SPECS, type ToolName } from '$lib/domain/ai/tools';
import { limitBeforeStep, nextOutputTokens, remainingMs, STOP_MESSAGES, type StopReason, type TurnSpend } from '$lib/domain/ai/limits';
import type { AiLimits } from '$lib/domain/ai/schemas';
import type { AiToolRunner, ToolOutcome } from './tools';
import { describeProviderError } from './config';

/** A message in the provider's format (what is stored and sent back on the next turn). */
export interface WireMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

export interface StreamParams {
  model: string;
  messages: WireMessage[];
  tools?: { type: 'function'; function: { name: string; description: string; parameters: Record<string, unknown> } }[];
  max_completion_tokens: number;
}

export type ChatStreamFn = (params: StreamParams, opts: { signal: AbortSignal; timeoutMs: number }) => Promise<AsyncIterable<ChunkLike>>;

export function groqStream(client: Groq): ChatStreamFn {
  return async (params, opts) =>
    (await client.chat.completions.create(
      { ...(params as unknown as ChatCompletionCreateParamsStreaming), stream: true, tool_choice: params.tools?.length ? 'auto' : undefined },
      { signal: opts.signal, timeout: opts.timeoutMs }
    )) as unknown as AsyncIterable<ChunkLike>;
}

export interface ToolAudit {
  turnId: string;
  callId: string;
  name: string;
  arguments: unknown;
  ms: number;
  outcome: 'ok' | 'error' | 'refused' | 'invalid';
  error?: string;
  at: string;
}

export type LoopEvent =
  | { phase: 'delta'; text: string }
  | { phase: 'tool'; tool: string; callId: string; status: 'running' | 'ok' | 'error' | 'refused'; summary?: string; link?: ToolOutcome['link'] }
  | { phase: 'retrying'; retryAfterMs: number };

export interface TurnInput {
  turnId: string;
  ctx: RequestContext;
  model: string;
  limits: AiLimits;
  /** System prompt + earlier conversation + the new user message. */
  messages: WireMessage[];
  tools: readonly ToolName[];
  nonce: string;
}

export interface TurnResult {
  /** Messages this turn added after the user's (assistant tool calls, tool results, the answer). */
  added: WireMessage[];
  answer: string;
  stopReason: StopReason | 'provider_error' | 'provider_rate_limited';
  error: { code: string; message: string; retryAfterSeconds?: number } | null;
  steps: number;
  toolCalls: ToolAudit[];
  usage: { prompt: number; completion: number; total: number };
  links: NonNullable<ToolOutcome['link']>[];
  createdTicketId: string | null;
  wallMs: number;
  /** Time spent waiting on the provider (request sent → stream ended). */
  modelMs: number;
  /** Per step: wall ms and provider ms (for the overhead figure). */
  stepTimes: { wallMs: number; modelMs: number }[];
}

export interface LoopDeps {
  stream: ChatStreamFn;
  tools: AiToolRunner;
  emit: (e: LoopEvent) => void;
  /** Called as each tool call finishes (the audit is written before the next step). */
  audit: (a: ToolAudit) => Promise<void>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

class ProviderFailure extends Error {
  constructor(
    readonly code: 'provider_error' | 'provider_rate_limited',
    message: string,
    readonly retryAfterSeconds?: number
  ) {
    super(message);
  }
}

function retryAfterMs(e: InstanceType<typeof Groq.APIError>): number | null {
  const h = e.headers;
  const ms = Number(h?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const s = h?.get('retry-after');
  if (!s) return null;
  const n = Number(s);
  if (Number.isFinite(n)) return Math.max(0, n * 1000);
  const at = Date.parse(s);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}

const clipArgs = (raw: string) => (raw.length > 2000 ? `${raw.slice(0, 2000)}…` : raw);

export async function runTurn(input: TurnInput, deps: LoopDeps): Promise<TurnResult> {
  const now = deps.now ?? (() => performance.now());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const spend: TurnSpend = { steps: 0, tokens: 0, startedAt: now() };
  const messages = [...input.messages];
  const added: WireMessage[] = [];
  const audits: ToolAudit[] = [];
  const links: NonNullable<ToolOutcome['link']>[] = [];
  const usage = { prompt: 0, completion: 0, total: 0 };
  const stepTimes: { wallMs: number; modelMs: number }[] = [];
  let modelMs = 0;
  let createdTicketId: string | null = null;
  const tools = input.tools.map((name) => ({ type: 'function' as const, function: { name, description: TOOL_SPECS[name].description, parameters: TOOL_SPECS[name].parameters } }));

  const finish = (answer: string, stopReason: TurnResult['stopReason'], error: TurnResult['error'] = null): TurnResult => ({
    added,
    answer,
    stopReason,
    error,
    steps: spend.steps,
    toolCalls: audits,
    usage,
    links,
    createdTicketId,
    wallMs: now() - spend.startedAt,
    modelMs,
    stepTimes
  });

  for (;;) {
    const limit = limitBeforeStep(spend, input.limits, now());
    if (limit) {
      const answer = STOP_MESSAGES[limit];
      added.push({ role: 'assistant', content: answer });
      return finish(answer, limit);
    }
    const stepStart = now();
    let stepModel = 0;
    spend.steps++;
    const asm = new CompletionAssembler();
    try {
      let retried = false;
      for (;;) {
        const left = remainingMs(spend, input.limits, now());
        const ctl = new AbortController();
        const timer = setTimeout(() => ctl.abort(), Math.ceil(left));
        const t0 = now();
        try {
          const stream = await deps.stream(
            { model: input.model, messages, tools: tools.length ? tools : undefined, max_completion_tokens: nextOutputTokens(spend, input.limits) },
            { signal: ctl.signal, timeoutMs: Math.max(1, Math.ceil(left)) }
          );
          for await (const chunk of stream) {
            const text = asm.add(chunk);
            if (text) deps.emit({ phase: 'delta', text });
          }
          if (asm.streamError) throw new ProviderFailure('provider_error', `The AI service stopped with an error: ${asm.streamError}`);
          break;
        } catch (e) {
          if (ctl.signal.aborted) {
            const answer = STOP_MESSAGES.max_time;
            added.push({ role: 'assistant', content: (asm.content ? asm.content + '\n\n' : '') + answer });
            stepModel += now() - t0;
            modelMs += now() - t0;
            stepTimes.push({ wallMs: now() - stepStart, modelMs: stepModel });
            return finish(answer, 'max_time');
          }
          if (e instanceof Groq.APIError && e.status === 429) {
            const wait = retryAfterMs(e);
            const budget = Math.min(input.limits.maxProviderRetryWaitMs, remainingMs(spend, input.limits, now()) - 1000);
            if (!retried && !asm.content && wait !== null && wait <= budget) {
              retried = true;
              deps.emit({ phase: 'retrying', retryAfterMs: Math.round(wait) });
              await sleep(wait);
              continue;
            }
            const seconds = wait === null ? undefined : Math.max(1, Math.ceil(wait / 1000));
            throw new ProviderFailure('provider_rate_limited', `The AI service is busy right now (rate limited)${seconds ? `; try again in ${seconds} s` : '; try again in a moment'}.`, seconds);
          }
          if (e instanceof ProviderFailure) throw e;
          if (e instanceof Groq.APIError) throw new ProviderFailure('provider_error', describeProviderError(e));
          throw e;
        } finally {
          clearTimeout(timer);
          const dt = now() - t0;
          stepModel += dt;
          modelMs += dt;
        }
      }
    } catch (e) {
      if (!(e instanceof ProviderFailure)) throw e;
      stepTimes.push({ wallMs: now() - stepStart, modelMs: stepModel });
      const answer = asm.content ? `${asm.content}\n\n${e.message}` : e.message;
      added.push({ role: 'assistant', content: answer });
      return finish(answer, e.code, { code: e.code, message: e.message, retryAfterSeconds: e.retryAfterSeconds });
    }

    usage.prompt += asm.usage.prompt;
    usage.completion += asm.usage.completion;
    usage.total += asm.usage.total;
    spend.tokens += asm.usage.total;
    const calls = asm.toolCalls();

    if (!calls.length) {
      added.push({ role: 'assistant', content: asm.content });
      stepTimes.push({ wallMs: now() - stepStart, modelMs: stepModel });
      // An answer cut by max_completion_tokens still counts as the answer (the UI shows it).
      return finish(asm.content, 'answer');
    }

    const assistant: WireMessage = { role: 'assistant', content: asm.content || null, tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) };
    messages.push(assistant);
    added.push(assistant);
    for (const call of calls) {
      const t0 = now();
      const parsed = parseToolCall(call.name, call.arguments, input.tools);
      let out: ToolOutcome;
      let outcome: ToolAudit['outcome'];
      if (!parsed.ok) {
        out = { outcome: 'error', content: parsed.message, summary: 'invalid arguments' };
        outcome = 'invalid';
      } else {
        deps.emit({ phase: 'tool', tool: call.name, callId: call.id, status: 'running' });
        try {
          out = await deps.tools.run(input.ctx, parsed.name, parsed.args, input.nonce);
        } catch (e) {
          // An unexpected failure is the tool's error, not the turn's: the model is told, the log has it.
          out = { outcome: 'error', content: `The ${call.name} tool failed unexpectedly; tell the user to try again later.`, summary: 'failed' };
          (out as ToolOutcome & { internalError?: string }).internalError = e instanceof Error ? e.message : String(e);
        }
        outcome = out.outcome;
      }
      if (out.link) links.push(out.link);
      if (out.createdTicketId) createdTicketId = out.createdTicketId;
      const toolMsg: WireMessage = { role: 'tool', tool_call_id: call.id, content: out.content };
      messages.push(toolMsg);
      added.push(toolMsg);
      const audit: ToolAudit = {
        turnId: input.turnId,
        callId: call.id,
        name: call.name.slice(0, 100),
        arguments: parsed.ok ? parsed.args : clipArgs(call.arguments),
        ms: Math.round((now() - t0) * 100) / 100,
        outcome,
        ...(outcome === 'ok' ? {} : { error: (out as ToolOutcome & { internalError?: string }).internalError ?? out.content.slice(0, 500) }),
        at: new Date().toISOString()
      };
      audits.push(audit);
      await deps.audit(audit);
      deps.emit({ phase: 'tool', tool: call.name.slice(0, 100), callId: call.id, status: outcome === 'invalid' ? 'error' : outcome, summary: out.summary, link: out.link });
    }
    stepTimes.push({ wallMs: now() - stepStart, modelMs: stepModel });
  }
}
