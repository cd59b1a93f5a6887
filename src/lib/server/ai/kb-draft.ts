// A KB article drafted by the LLM from a resolved ticket (the KB branch's draft job calls this;
// it falls back to its own structured draft when this returns null). The ticket's text reaches
// the model only inside untrusted-content blocks; the reply must be a JSON object, checked with zod.
import { z } from 'zod';
import { groqClient, scrub, type AiConfigService } from './config';
import { newNonce, untrusted, delimitingRule } from '$lib/domain/ai/delimit';
import { log } from '../log';
import type { KbDraftWriter } from '$lib/domain/kb/draft';

export interface DraftTicket {
  subject: string;
  description: string | null;
  resolution_notes?: string | null;
  resolution_code?: string | null;
}
export interface DraftComment {
  body: string;
  internal?: boolean;
}

const Draft = z.object({
  title: z.string().trim().min(3).max(200),
  summary: z.string().trim().min(1).max(500),
  body: z.string().trim().min(10).max(50_000)
});
export type KbDraft = z.infer<typeof Draft>;

/** null when no key is configured (or the assistant is off, or the model's reply is unusable). */
export async function draftKbArticleWithLlm(ticket: DraftTicket, comments: DraftComment[], deps?: { config: AiConfigService; timeoutMs?: number }): Promise<KbDraft | null> {
  const config: AiConfigService = deps?.config ?? (await import('../app').then(async (m) => (await m.app()).ai.config));
  const { config: cfg, apiKey, baseURL } = await config.load();
  if (!apiKey || !cfg.enabled) return null;
  const nonce = newNonce();
  const thread = comments
    .slice(-30)
    .map((c, i) => `${c.internal ? 'Internal note' : 'Reply'} ${i + 1}:\n${untrusted(nonce, 'ticket_comment', c.body.slice(0, 3000))}`)
    .join('\n\n');
  const system = [
    'You write knowledge base articles for an IT helpdesk from resolved tickets, for an agent to review.',
    'Answer with one JSON object {"title": string, "summary": string, "body": string}; body in Markdown with the sections Problem, Cause, Resolution.',
    'Leave out names, email addresses, passwords and anything specific to one person.',
    delimitingRule(nonce)
  ].join('\n\n');
  const user = [
    untrusted(nonce, 'ticket', `Subject: ${ticket.subject}\n\n${(ticket.description ?? '').slice(0, 8000)}`),
    ticket.resolution_notes ? `Resolution notes:\n${untrusted(nonce, 'ticket_resolution', ticket.resolution_notes.slice(0, 4000))}` : '',
    thread ? `Conversation:\n${thread}` : ''
  ]
    .filter(Boolean)
    .join('\n\n');
  try {
    const r = await groqClient(apiKey, baseURL, deps?.timeoutMs ?? 60_000).chat.completions.create({
      model: cfg.model,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user }
      ],
      response_format: { type: 'json_object' },
      max_completion_tokens: Math.min(4096, cfg.limits.maxTurnTokens)
    });
    const text = r.choices[0]?.message?.content ?? '';
    const parsed = Draft.safeParse(JSON.parse(text));
    if (!parsed.success) {
      log.warn('kb draft: the model reply is not a usable draft', { issues: parsed.error.issues.map((i) => i.path.join('.')) });
      return null;
    }
    return parsed.data;
  } catch (e) {
    log.warn('kb draft with the LLM failed', { error: scrub(e instanceof Error ? e.message : String(e), apiKey) });
    return null;
  }
}

/**
 * The KB service's draft writer when the assistant is configured: the LLM's draft, else (no key,
 * assistant off, or an unusable reply) the structured Problem / Cause / Resolution draft.
 */
export function llmDraftWriter(config: AiConfigService, fallback: KbDraftWriter): KbDraftWriter {
  return {
    async draft(ticket, comments) {
      const d = await draftKbArticleWithLlm(ticket, comments, { config });
      return d ? { ...d, aiGenerated: true } : fallback.draft(ticket, comments);
    }
  };
}
