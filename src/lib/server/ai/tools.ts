// The assistant's tools, run on the server as the asking user through the ticket service and
// the KB search port: the model only proposes a call; what it may see or change is decided here
// by the same permission checks as the rest of the app. Every text a person wrote goes back to
// the model inside an untrusted-content block (../../domain/ai/delimit.ts).
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { RequestContext } from '../context';
import type { TicketLifecycleService } from '../tickets/lifecycle-service';
import type { KbSearchPort } from './kb-port';
import { aiRepo } from './repository';
import { isAppError } from '$lib/domain/common/errors';
import { can } from '$lib/domain/auth/permissions';
import { untrusted } from '$lib/domain/ai/delimit';
import type { ToolInput, ToolName, TicketRef } from '$lib/domain/ai/tools';

export interface ToolOutcome {
  outcome: 'ok' | 'error' | 'refused';
  /** What the model reads. */
  content: string;
  /** What the user's widget may show. */
  summary?: string;
  link?: { kind: 'ticket' | 'article'; id: string; label: string; href: string };
  /** A ticket the tool created. */
  createdTicketId?: string;
}

const MAX_TICKET_TEXT = 12_000;

export class AiToolRunner {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly tickets: TicketLifecycleService,
    private readonly kbSearch: KbSearchPort
  ) {}

  async run(ctx: RequestContext, name: ToolName, args: unknown, nonce: string): Promise<ToolOutcome> {
    try {
      switch (name) {
        case 'search_knowledge_base':
          return await this.#search(ctx, args as ToolInput<'search_knowledge_base'>, nonce);
        case 'create_ticket':
          return await this.#create(ctx, args as ToolInput<'create_ticket'>, nonce);
        case 'get_ticket_status':
          return await this.#status(ctx, (args as ToolInput<'get_ticket_status'>).ticket, nonce);
        case 'summarize_ticket':
          return await this.#read(ctx, (args as ToolInput<'summarize_ticket'>).ticket, nonce, 'summary');
        case 'suggest_reply': {
          const a = args as ToolInput<'suggest_reply'>;
          return await this.#read(ctx, a.ticket, nonce, 'reply', a);
        }
      }
    } catch (e) {
      if (isAppError(e)) {
        const refused = e.code === 'forbidden' || e.code === 'not_found';
        return { outcome: refused ? 'refused' : 'error', content: `The ${name} tool failed: ${e.message}`, summary: e.message };
      }
      throw e;
    }
  }

  async #search(ctx: RequestContext, a: ToolInput<'search_knowledge_base'>, nonce: string): Promise<ToolOutcome> {
    if (!can(ctx.actor, 'kb.read')) return { outcome: 'refused', content: 'You may not search the knowledge base for this user.', summary: 'not allowed' };
    const hits = await this.kbSearch({ query: a.query, limit: a.limit ?? 5, audience: can(ctx.actor, 'kb.read.internal') ? 'internal' : 'public' });
    if (!hits.length) return { outcome: 'ok', content: `No published article matches "${a.query.slice(0, 100)}".`, summary: '0 articles' };
    const parts = hits.map((h, i) =>
      [
        `[${i + 1}] article id=${h.id} link=/kb/${h.slug} score=${h.score.toFixed(3)}`,
        untrusted(nonce, `kb_article:${h.slug}`, [`Title: ${h.title}`, h.summary ? `Summary: ${h.summary}` : null, h.body ? `\n${h.body}` : null].filter(Boolean).join('\n'))
      ].join('\n')
    );
    const top = hits[0];
    return {
      outcome: 'ok',
      content: `Found ${hits.length} article(s), most relevant first. Cite them by title.\n\n${parts.join('\n\n')}`,
      summary: `${hits.length} article(s)`,
      link: { kind: 'article', id: top.id, label: top.title, href: `/kb/${top.slug}` }
    };
  }

  async #create(ctx: RequestContext, a: ToolInput<'create_ticket'>, nonce: string): Promise<ToolOutcome> {
    if (!can(ctx.actor, 'tickets.create')) return { outcome: 'refused', content: 'This user may not create tickets.', summary: 'not allowed' };
    const t = await this.tickets.create({ ...ctx, source: 'ai' }, { subject: a.subject, description: a.description, priority: a.priority });
    const href = can(ctx.actor, 'tickets.update') ? `/tickets/${t.id}` : `/portal/tickets/${t.id}`;
    return {
      outcome: 'ok',
      content: `Created ticket #${t.number} (status ${t.status}, priority ${t.priority}) for the user. Tell them its number.\n${untrusted(nonce, `ticket:${t.number}`, `Subject: ${t.subject}`)}`,
      summary: `#${t.number}`,
      link: { kind: 'ticket', id: t.id, label: `#${t.number}`, href },
      createdTicketId: t.id
    };
  }

  /** The ticket's id when the user may read it; the same "not found" otherwise (no existence leak). */
  async #resolve(ctx: RequestContext, ref: TicketRef): Promise<string | null> {
    if ('id' in ref && ref.id) return ref.id;
    return (await aiRepo.ticketIdByNumber(this.db, Number(ref.number)))?.id ?? null;
  }

  #notFound(ref: TicketRef): ToolOutcome {
    const label = 'number' in ref ? `#${ref.number}` : ref.id;
    return { outcome: 'refused', content: `No ticket ${label} that this user may see. Do not guess its contents.`, summary: `${label}: not found` };
  }

  async #status(ctx: RequestContext, ref: TicketRef, nonce: string): Promise<ToolOutcome> {
    const id = await this.#resolve(ctx, ref);
    if (!id) return this.#notFound(ref);
    let t;
    try {
      t = await this.tickets.get(ctx, id);
    } catch (e) {
      if (isAppError(e) && (e.code === 'not_found' || e.code === 'forbidden')) return this.#notFound(ref);
      throw e;
    }
    const lastPublic = [...t.comments].reverse().find((c) => !(c as { internal?: boolean }).internal);
    const lines = [
      `Ticket #${t.number}: status ${t.status}, priority ${t.priority}, created ${t.created_at}, last updated ${t.updated_at}` +
        (t.resolved_at ? `, resolved ${t.resolved_at}` : '') +
        (t.closed_at ? `, closed ${t.closed_at}` : '') +
        (t.waiting_reason ? `, waiting: ${t.waiting_reason}` : '') +
        `, assigned: ${t.assignee_id ? 'yes' : 'not yet'}.`,
      untrusted(nonce, `ticket:${t.number}`, `Subject: ${t.subject}`)
    ];
    if (lastPublic) lines.push(`Latest reply (${lastPublic.created_at}):`, untrusted(nonce, `ticket:${t.number}:comment`, clip(String((lastPublic as { body?: string }).body ?? ''), 1500)));
    const href = can(ctx.actor, 'tickets.update') ? `/tickets/${t.id}` : `/portal/tickets/${t.id}`;
    return { outcome: 'ok', content: lines.join('\n'), summary: `#${t.number}: ${t.status}`, link: { kind: 'ticket', id: t.id, label: `#${t.number}`, href } };
  }

  async #read(ctx: RequestContext, ref: TicketRef, nonce: string, purpose: 'summary' | 'reply', a?: ToolInput<'suggest_reply'>): Promise<ToolOutcome> {
    if (!can(ctx.actor, 'tickets.update')) return { outcome: 'refused', content: 'Only service desk agents may use this tool.', summary: 'not allowed' };
    const id = await this.#resolve(ctx, ref);
    if (!id) return this.#notFound(ref);
    let t;
    try {
      t = await this.tickets.get(ctx, id);
    } catch (e) {
      if (isAppError(e) && (e.code === 'not_found' || e.code === 'forbidden')) return this.#notFound(ref);
      throw e;
    }
    const head = `Ticket #${t.number}: status ${t.status}, priority ${t.priority}, category ${t.category ?? 'none'}, created ${t.created_at}, updated ${t.updated_at}.`;
    const parts = [head, untrusted(nonce, `ticket:${t.number}:description`, `Subject: ${t.subject}\n\n${clip(t.description ?? '(no description)', 4000)}`)];
    // Newest comments first within the budget, then shown in order.
    let budget = MAX_TICKET_TEXT;
    const comments: string[] = [];
    for (const c of [...t.comments].reverse() as { body?: string; internal?: boolean; author_type?: string; created_at: string }[]) {
      const text = clip(String(c.body ?? ''), 2000);
      if (budget - text.length < 0) break;
      budget -= text.length;
      const who = c.internal ? 'internal note (staff only — never quote it to the requester)' : c.author_type === 'agent' ? 'agent reply' : 'requester message';
      comments.unshift(`${who}, ${c.created_at}:\n${untrusted(nonce, `ticket:${t.number}:comment`, text)}`);
    }
    if (comments.length) parts.push(`Conversation (${comments.length} of ${t.comments.length} entries, oldest first):`, ...comments);
    if (purpose === 'reply') {
      parts.push(
        `Draft a ${a?.tone ?? 'friendly'} reply to the requester that the agent can edit and send. Do not reveal internal notes.` +
          (a?.instructions ? ` The agent asks:\n${untrusted(nonce, 'agent_instructions', a.instructions)}` : '')
      );
    } else parts.push('Summarise the problem, what was done, and what is pending, for the agent.');
    return { outcome: 'ok', content: parts.join('\n\n'), summary: `#${t.number}`, link: { kind: 'ticket', id: t.id, label: `#${t.number}`, href: `/tickets/${t.id}` } };
  }
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
