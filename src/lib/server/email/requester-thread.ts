// The public thread page of a requester without an account (`/r/<token>`, the signed link in every
// ticket mail to them): the ticket's public conversation — never internal notes — and a reply form
// whose text becomes a public comment by the requester through the ticket service, with the same
// rules as any other comment (closed tickets refuse it). Rate limited per link and per address.
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { DB } from '../db/schema';
import type { TicketsService } from '../tickets/service';
import type { RequesterLinks } from './requester-link';
import { authRepo } from '../auth/repository';
import { toActor } from '../auth/service';
import { SlidingWindowLimiter } from '../auth/rate-limit';
import { AppError } from '$lib/domain/common/errors';
import { onlineTiming } from '$lib/domain/mutations/clock';

export const requesterThreadRepo = {
  ticket(db: Kysely<DB>, id: string) {
    return db
      .selectFrom('tickets')
      .select(['id', 'number', 'subject', 'description', 'status', 'requester_id', 'created_at', 'merged_into_id'])
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  },
  /** Public comments only: `internal = false` is part of the query, not a filter afterwards. */
  publicComments(db: Kysely<DB>, ticketId: string) {
    return db
      .selectFrom('ticket_comments as c')
      .leftJoin('users as u', 'u.id', 'c.author_id')
      .select(['c.id', 'c.author_type', 'c.body', 'c.created_at', 'u.name as author_name'])
      .where('c.ticket_id', '=', ticketId)
      .where('c.internal', '=', false)
      .where('c.deleted_at', 'is', null)
      .orderBy('c.created_at')
      .orderBy('c.id')
      .limit(500)
      .execute();
  }
};

export interface PublicThread {
  ticket_number: number;
  subject: string;
  description: string | null;
  status: string;
  created_at: string;
  expires_at: string;
  can_reply: boolean;
  comments: { id: string; author: string; from_requester: boolean; body: string; created_at: string }[];
}

const invalidLink = () => new AppError('not_found', 'token: this link is not valid; use the link in the latest email about your request', { fields: [{ field: 'token', message: 'is not valid' }] });

export class RequesterThreadService {
  readonly views = new SlidingWindowLimiter();
  readonly replies = new SlidingWindowLimiter();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly tickets: TicketsService,
    private readonly links: RequesterLinks,
    private readonly limits = { viewsPerMinute: 60, repliesPerLinkPerMinute: 5, repliesPerIpPerMinute: 20 }
  ) {}

  #limit(limiter: SlidingWindowLimiter, key: string, n: number) {
    const wait = limiter.hit(key, n);
    if (wait) throw new AppError('rate_limited', `Too many requests; try again in ${wait} s`, { retryAfterSeconds: wait });
  }

  async #check(token: string) {
    const v = this.links.verify(token);
    if (!v.ok) {
      if (v.reason === 'expired') {
        throw new AppError('not_found', `token: this link expired on ${v.expiresAt!.toISOString().slice(0, 10)}; reply to the latest email about your request to get a new one`, { fields: [{ field: 'token', message: 'has expired' }], expired: true });
      }
      throw invalidLink();
    }
    const ticket = await requesterThreadRepo.ticket(this.db, v.ticketId);
    // The link speaks for the requester it was sent to, only while they are the requester.
    if (!ticket || ticket.requester_id !== v.userId) throw invalidLink();
    return { v, ticket };
  }

  async view(token: string, client: { ip?: string | null }): Promise<PublicThread> {
    this.#limit(this.views, `ip:${client.ip ?? '?'}`, this.limits.viewsPerMinute);
    const { v, ticket } = await this.#check(token);
    const comments = await requesterThreadRepo.publicComments(this.db, ticket.id);
    return {
      ticket_number: Number(ticket.number),
      subject: ticket.subject,
      description: ticket.description,
      status: ticket.status,
      created_at: ticket.created_at.toISOString(),
      expires_at: v.expiresAt.toISOString(),
      can_reply: ticket.status !== 'closed' && !ticket.merged_into_id,
      comments: comments.map((c) => ({
        id: c.id,
        author: c.author_type === 'requester' ? (c.author_name ?? 'You') : c.author_type === 'agent' ? (c.author_name ?? 'Service desk') : 'Service desk',
        from_requester: c.author_type === 'requester',
        body: c.body,
        created_at: c.created_at.toISOString()
      }))
    };
  }

  async reply(token: string, body: { body: string }, client: { ip?: string | null }) {
    this.#limit(this.replies, `ip:${client.ip ?? '?'}`, this.limits.repliesPerIpPerMinute);
    this.#limit(this.replies, `link:${token.slice(-43)}`, this.limits.repliesPerLinkPerMinute);
    const { v, ticket } = await this.#check(token);
    const principal = await authRepo.principalById(this.db, v.userId);
    if (!principal || principal.status === 'inactive') throw invalidLink();
    const ctx = { actor: toActor(principal, 'bearer'), source: 'web' as const, ip: client.ip ?? null };
    const id = uuidv7();
    await this.tickets.addComment(ctx, { id, ticket_id: ticket.id, body: body.body, internal: false }, onlineTiming());
    return { id, ticket_number: Number(ticket.number) };
  }
}
