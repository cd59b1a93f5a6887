// The assistant's tools: their input schemas (zod, validated on the server before anything runs),
// the JSON Schema the model is shown, and who may use which. Pure.
import { z } from 'zod';
import { Priority, Subject } from '../tickets/schemas';
import { can, type Actor } from '../auth/permissions';

/** A ticket as a model names it: its number (42, "42", "#42") or its id. */
export const TicketRef = z
  .union([z.number().int().positive(), z.string().trim().min(1).max(64)])
  .transform((v, ctx) => {
    if (typeof v === 'number') return { number: v } as const;
    const num = /^#?(\d{1,12})$/.exec(v);
    if (num) return { number: Number(num[1]) } as const;
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) return { id: v.toLowerCase() } as const;
    ctx.addIssue({ code: 'custom', message: 'must be a ticket number (e.g. 42) or a ticket id' });
    return z.NEVER;
  });
export type TicketRef = z.output<typeof TicketRef>;

const ticketRefJson = { description: 'The ticket number (e.g. 42) or the ticket id', anyOf: [{ type: 'integer' }, { type: 'string' }] };

export const TOOL_INPUTS = {
  search_knowledge_base: z.object({ query: z.string().trim().min(1, 'is empty').max(300), limit: z.number().int().min(1).max(8).optional() }).strict(),
  create_ticket: z
    .object({
      subject: Subject.refine((s) => s.length >= 3, 'is too short'),
      description: z.string().trim().min(1, 'is empty').max(10_000, 'is longer than 10000 characters'),
      priority: Priority.optional()
    })
    .strict(),
  get_ticket_status: z.object({ ticket: TicketRef }).strict(),
  summarize_ticket: z.object({ ticket: TicketRef }).strict(),
  suggest_reply: z.object({ ticket: TicketRef, tone: z.enum(['friendly', 'formal', 'concise']).optional(), instructions: z.string().trim().max(500).optional() }).strict()
} as const;

export type ToolName = keyof typeof TOOL_INPUTS;
export const TOOL_NAMES = Object.keys(TOOL_INPUTS) as ToolName[];
export type ToolInput<N extends ToolName> = z.output<(typeof TOOL_INPUTS)[N]>;

/** What the model is told about each tool (OpenAI/Groq `tools` format). */
export const TOOL_SPECS: Record<ToolName, { description: string; parameters: Record<string, unknown> }> = {
  search_knowledge_base: {
    description: 'Search the knowledge base articles the user may read. Use it before answering a how-to or troubleshooting question.',
    parameters: {
      type: 'object',
      properties: { query: { type: 'string', description: 'What to look for, in a few words' }, limit: { type: 'integer', minimum: 1, maximum: 8 } },
      required: ['query'],
      additionalProperties: false
    }
  },
  create_ticket: {
    description: 'Raise a support ticket for the user (as the requester). Only when the user asks for it or agrees to it.',
    parameters: {
      type: 'object',
      properties: {
        subject: { type: 'string', description: 'A short summary, 3 to 300 characters' },
        description: { type: 'string', description: 'What happened, what the user tried, error messages' },
        priority: { type: 'string', enum: ['low', 'medium', 'high', 'critical'] }
      },
      required: ['subject', 'description'],
      additionalProperties: false
    }
  },
  get_ticket_status: {
    description: "Look up a ticket's status, priority and last update. The user can only see their own tickets (agents see all).",
    parameters: { type: 'object', properties: { ticket: ticketRefJson }, required: ['ticket'], additionalProperties: false }
  },
  summarize_ticket: {
    description: 'Read a ticket with its conversation so you can summarise it for the agent.',
    parameters: { type: 'object', properties: { ticket: ticketRefJson }, required: ['ticket'], additionalProperties: false }
  },
  suggest_reply: {
    description: 'Read a ticket with its conversation so you can draft a reply the agent may send to the requester.',
    parameters: {
      type: 'object',
      properties: { ticket: ticketRefJson, tone: { type: 'string', enum: ['friendly', 'formal', 'concise'] }, instructions: { type: 'string', description: "The agent's wishes for the reply" } },
      required: ['ticket'],
      additionalProperties: false
    }
  }
};

/** The tools this user may have the assistant run (each one still checks permissions when it runs). */
export function toolsFor(actor: Actor): ToolName[] {
  const out: ToolName[] = [];
  if (can(actor, 'kb.read')) out.push('search_knowledge_base');
  if (can(actor, 'tickets.create')) out.push('create_ticket');
  if (can(actor, 'tickets.read.own') || can(actor, 'tickets.read.all')) out.push('get_ticket_status');
  if (can(actor, 'tickets.update')) out.push('summarize_ticket', 'suggest_reply');
  return out;
}

export type ParsedToolArgs = { ok: true; name: ToolName; args: unknown } | { ok: false; message: string };

/** Parses a model's tool call: unknown tool, malformed JSON and invalid fields become a message for the model. */
export function parseToolCall(name: string, rawArgs: string, allowed: readonly ToolName[]): ParsedToolArgs {
  if (!(TOOL_NAMES as string[]).includes(name) || !allowed.includes(name as ToolName)) {
    return { ok: false, message: `Unknown tool "${name.slice(0, 60)}". Available tools: ${allowed.join(', ') || 'none'}.` };
  }
  let json: unknown;
  try {
    json = rawArgs.trim() ? JSON.parse(rawArgs) : {};
  } catch {
    return { ok: false, message: `The arguments of ${name} are not valid JSON. Call it again with a JSON object.` };
  }
  const r = TOOL_INPUTS[name as ToolName].safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.map(String).join('.') || 'arguments'}: ${i.message}`).join('; ');
    return { ok: false, message: `Invalid arguments for ${name}: ${issues}. Fix them and call the tool again.` };
  }
  return { ok: true, name: name as ToolName, args: r.data };
}
