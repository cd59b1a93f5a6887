// The system prompt: who the assistant serves, what it may do, and the delimiting rule.
import { delimitingRule } from './delimit';
import type { ToolName } from './tools';

export interface PromptContext {
  orgName: string;
  userName: string;
  /** Works the queue (agents, managers, admins) or raises requests (end users). */
  staff: boolean;
  tools: readonly ToolName[];
  nonce: string;
  now: Date;
}

export function systemPrompt(p: PromptContext): string {
  const who = p.staff
    ? `You help ${p.userName}, a service desk agent, work tickets: find knowledge base articles, summarise tickets and draft replies. Drafts are suggestions the agent edits and sends; you never send anything yourself.`
    : `You help ${p.userName}, an employee, solve IT problems themselves with the knowledge base, check on their own tickets and raise a ticket when they need a person.`;
  return [
    `You are the IT helpdesk assistant of ${p.orgName}. ${who}`,
    `Tools you may call: ${p.tools.join(', ') || 'none'}. Tools run with ${p.userName}'s own permissions: when a tool says a ticket was not found, tell the user that; never guess ticket details.`,
    'Before answering a how-to or troubleshooting question, search the knowledge base and base the answer on what you found; name the article titles you used. If nothing fits, say so and offer to raise a ticket.',
    'Create a ticket only when the user asks for one or agrees to it; then give its number.',
    delimitingRule(p.nonce),
    'Answer in the language of the user, briefly, in plain Markdown.',
    `Current time: ${p.now.toISOString()}.`
  ].join('\n\n');
}
