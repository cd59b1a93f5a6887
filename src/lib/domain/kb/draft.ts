// Drafting a KB article from a resolved ticket (issue 7 part 4). The writer is an interface so
// an LLM drafter can replace the structured one; the structured drafter below is pure: it turns
// the ticket's subject, description and conversation into a Problem / Cause / Resolution body
// for an agent to review. Nothing it produces is published without a person.

export interface DraftTicket {
  id: string;
  number: number;
  subject: string;
  description: string | null;
  resolution_code: string | null;
  resolution_notes: string | null;
  tags: string[];
  resolved_at: Date | string | null;
}

export interface DraftComment {
  body: string;
  internal: boolean;
  author_type: string;
  created_at: Date | string;
}

export interface KbDraft {
  title: string;
  summary: string;
  body: string;
  /** Written by a language model (overrides the writer's flag, for writers that fall back). */
  aiGenerated?: boolean;
}

export interface KbDraftWriter {
  /** True for writers that use a language model (the draft is marked ai_generated). */
  readonly aiGenerated?: boolean;
  /** A draft for this ticket, or null when there is nothing worth drafting. */
  draft(ticket: DraftTicket, comments: DraftComment[]): Promise<KbDraft | null>;
}

const ms = (d: Date | string) => (d instanceof Date ? d.getTime() : Date.parse(d));

/** The text of a message without quoted email history and trailing signature. */
export function cleanMessage(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  for (const line of lines) {
    if (/^\s*>/.test(line)) continue;
    if (/^-- ?$/.test(line)) break;
    if (/^On .+wrote:\s*$/.test(line)) break;
    out.push(line);
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

const CAUSE = /\b(root cause|caused by|cause:|because|due to|the issue was|the problem was)\b/i;

function firstSentence(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(flat);
  const s = m ? m[1] : flat;
  return s.length > max ? `${s.slice(0, max - 1).trimEnd()}…` : s;
}

/** Problem / Cause / Resolution from the ticket; null when the ticket says nothing about the fix. */
export function structuredDraft(ticket: DraftTicket, comments: DraftComment[]): KbDraft | null {
  const until = ticket.resolved_at ? ms(ticket.resolved_at) : Infinity;
  const staff = comments
    .filter((c) => c.author_type === 'agent' && ms(c.created_at) <= until)
    .map((c) => ({ ...c, text: cleanMessage(c.body) }))
    .filter((c) => c.text)
    .sort((a, b) => ms(a.created_at) - ms(b.created_at));
  const problem = cleanMessage(ticket.description ?? '') || ticket.subject;
  const notes = (ticket.resolution_notes ?? '').trim();
  // The resolution: the last agent reply or internal note before the ticket was resolved, and
  // the resolution notes when the agent wrote some.
  const last = staff.at(-1);
  const resolution = [notes, last && last.text !== notes ? last.text : ''].filter(Boolean).join('\n\n');
  if (!resolution) return null;
  const causeNote = [...staff].reverse().find((c) => CAUSE.test(c.text) && c !== last) ?? (last && CAUSE.test(last.text) ? last : undefined);
  const cause = causeNote ? causeNote.text : '_Not recorded on the ticket: confirm the cause before publishing._';
  const title = ticket.subject.trim().replace(/^(re|fw|fwd):\s*/i, '').slice(0, 200) || `Ticket #${ticket.number}`;
  const summary = firstSentence(notes || (last?.text ?? problem), 300);
  const body = [
    '## Problem',
    '',
    problem,
    '',
    '## Cause',
    '',
    cause,
    '',
    '## Resolution',
    '',
    resolution,
    '',
    `_Drafted from ticket #${ticket.number}${ticket.resolution_code ? ` (resolved: ${ticket.resolution_code})` : ''}. Review before publishing: remove names, addresses and anything specific to one person._`
  ].join('\n');
  return { title, summary, body };
}

/** The default writer: the structured draft above. */
export const structuredDraftWriter: KbDraftWriter = {
  draft: (ticket, comments) => Promise.resolve(structuredDraft(ticket, comments))
};
