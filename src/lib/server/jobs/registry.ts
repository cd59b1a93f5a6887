// The typed job registry (ARCHITECTURE §7). Every job: a name, a zod payload schema that carries
// ids only (never secrets or content — the handler reads the rows), the handler, and its retry
// policy. Handlers only wire a job to a service; the rules live in the services and are
// idempotent, because pg-boss delivers at least once (a worker dying mid-job means a retry).
import { z } from 'zod';
import { DraftFromTicketPayload, EmbedArticlePayload } from '$lib/domain/kb/schemas';

/** What handlers may use; built by whoever runs the workers (the app, or workers/). */
export interface JobDeps {
  escalation: { sweep(now: Date): Promise<unknown> };
  mail: { deliver(emailMessageId: string): Promise<unknown>; deliverMany?(emailMessageIds: string[]): Promise<PromiseSettledResult<unknown>[]> };
  /** Drafts an article from a resolved ticket (src/lib/server/kb/service.ts). */
  kbDrafts: { draftFromTicket(ticketId: string): Promise<unknown> };
  /** Knowledge-base embeddings (src/lib/server/search/embedding-service.ts). */
  kb: { embedArticle(articleId: string): Promise<unknown>; reembedAll(runId: string): Promise<unknown> };
}

export interface RetryPolicy {
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
  expireInSeconds: number;
}

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  payload: S;
  retry: RetryPolicy;
  /** pg-boss cron (minute resolution), or none. */
  cron?: string;
  /** Jobs fetched per poll (a cron sweep is one at a time). */
  batchSize?: number;
  handler(payload: z.output<S>, deps: JobDeps): Promise<unknown>;
  /** A whole fetched batch at once (one result per payload, in order); a rejected one fails only its job. */
  batchHandler?(payloads: z.output<S>[], deps: JobDeps): Promise<PromiseSettledResult<unknown>[]> | undefined;
  /** Wake the worker as soon as a job is enqueued (JobQueue.wake) and fetch again at once after a full batch. */
  eager?: boolean;
  /** Eager queues: how long a wake-up waits for more commits to join it (ms; default 50). */
  wakeMs?: number;
}

const define = <S extends z.ZodType>(d: JobDefinition<S>) => d;

export const jobs = {
  /** Every minute: SLA breaches, then the escalation rules whose threshold is reached. */
  'sla.escalate': define({
    name: 'sla.escalate',
    payload: z.object({}).strict(),
    retry: { retryLimit: 0, retryDelay: 0, retryBackoff: false, expireInSeconds: 300 },
    cron: '* * * * *',
    batchSize: 1,
    handler: (_p, deps) => deps.escalation.sweep(new Date())
  }),
  /** One queued outbound email_messages row to hand to the mail transport (the email issue sends it). */
  'email.deliver': define({
    name: 'email.deliver',
    payload: z.object({ emailMessageId: z.uuid() }).strict(),
    retry: { retryLimit: 8, retryDelay: 30, retryBackoff: true, expireInSeconds: 600 },
    // A burst of tickets from email is a burst of acknowledgements: claimed, sent over the pooled
    // relay connections and marked sent a batch at a time (OutboundMail.deliverMany).
    batchSize: 50,
    eager: true,
    // An acknowledgement may wait a quarter of a second; meanwhile a burst's others join it, so a
    // fetch, a claim, a "sent" update and a completion serve dozens of messages instead of a few.
    wakeMs: 250,
    handler: (p, deps) => deps.mail.deliver(p.emailMessageId),
    batchHandler: (ps, deps) => deps.mail.deliverMany?.(ps.map((p) => p.emailMessageId))
  }),
  /** (Re)embeds one article's chunks with the active provider; enqueued by the KB service in the transaction that publishes an article or changes a published one. */
  'kb.embed-article': define({
    name: 'kb.embed-article',
    payload: EmbedArticlePayload,
    retry: { retryLimit: 6, retryDelay: 20, retryBackoff: true, expireInSeconds: 600 },
    batchSize: 5,
    handler: (p, deps) => deps.kb.embedArticle(p.articleId)
  }),
  /** Every article with the active provider (after a provider change or on demand); progress in kb_embedding_runs. */
  'kb.reembed-all': define({
    name: 'kb.reembed-all',
    payload: z.object({ runId: z.uuid() }).strict(),
    retry: { retryLimit: 2, retryDelay: 60, retryBackoff: true, expireInSeconds: 6 * 3600 },
    batchSize: 1,
    handler: (p, deps) => deps.kb.reembedAll(p.runId)
  }),
  /** Draft a KB article from a ticket that was just resolved (enqueued in the resolving transaction). */
  'kb.draft-from-ticket': define({
    name: 'kb.draft-from-ticket',
    payload: DraftFromTicketPayload,
    retry: { retryLimit: 3, retryDelay: 60, retryBackoff: true, expireInSeconds: 300 },
    batchSize: 5,
    handler: (p, deps) => deps.kbDrafts.draftFromTicket(p.ticketId)
  }),
  /** Does nothing: liveness and throughput checks of the queue itself (bench, tests, health). */
  'system.heartbeat': define({
    name: 'system.heartbeat',
    payload: z.object({ id: z.uuid() }).strict(),
    retry: { retryLimit: 0, retryDelay: 0, retryBackoff: false, expireInSeconds: 60 },
    batchSize: 50,
    handler: async () => undefined
  })
} as const;

export type JobName = keyof typeof jobs;
export type JobPayload<N extends JobName> = z.input<(typeof jobs)[N]['payload']>;
export const JOB_NAMES = Object.keys(jobs) as JobName[];
