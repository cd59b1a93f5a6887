// Assembles a streamed chat completion (Groq / OpenAI SSE chunks): content deltas in order, and
// tool calls whose pieces arrive spread over many chunks — the id and name usually first, the
// JSON arguments in fragments — keyed by `index` (ids are sent once, not on every fragment).
// Usage comes on the final chunk, in `x_groq.usage` (Groq) or `usage` (OpenAI style).

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

export interface ChunkLike {
  id?: string;
  choices?: { index?: number; delta?: { content?: string | null; reasoning?: string | null; tool_calls?: ToolCallDelta[] | null }; finish_reason?: string | null }[];
  usage?: UsageLike | null;
  x_groq?: { id?: string | null; usage?: UsageLike | null; error?: string | null } | null;
}

export interface UsageLike {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

export interface AssembledToolCall {
  id: string;
  name: string;
  arguments: string;
}

export class CompletionAssembler {
  content = '';
  finishReason: string | null = null;
  usage = { prompt: 0, completion: 0, total: 0 };
  providerId: string | null = null;
  streamError: string | null = null;
  readonly #calls = new Map<number, { id: string; name: string; arguments: string }>();

  /** Adds one chunk; returns the content delta it carried (for streaming to the user). */
  add(chunk: ChunkLike): string {
    if (chunk.x_groq?.id) this.providerId = chunk.x_groq.id;
    if (chunk.x_groq?.error) this.streamError = chunk.x_groq.error;
    const usage = chunk.x_groq?.usage ?? chunk.usage;
    if (usage) {
      this.usage = {
        prompt: usage.prompt_tokens ?? 0,
        completion: usage.completion_tokens ?? 0,
        total: usage.total_tokens ?? (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0)
      };
    }
    let text = '';
    for (const choice of chunk.choices ?? []) {
      if ((choice.index ?? 0) !== 0) continue;
      const d = choice.delta;
      if (d?.content) text += d.content;
      for (const tc of d?.tool_calls ?? []) {
        const cur = this.#calls.get(tc.index) ?? { id: '', name: '', arguments: '' };
        if (tc.id) cur.id = tc.id;
        if (tc.function?.name) cur.name += tc.function.name;
        if (tc.function?.arguments) cur.arguments += tc.function.arguments;
        this.#calls.set(tc.index, cur);
      }
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
    }
    this.content += text;
    return text;
  }

  /** The tool calls in index order; a call the provider sent without an id gets one. */
  toolCalls(): AssembledToolCall[] {
    return [...this.#calls.entries()].sort(([a], [b]) => a - b).map(([i, c]) => ({ id: c.id || `call_${i}`, name: c.name, arguments: c.arguments }));
  }
}
