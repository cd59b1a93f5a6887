// The background side of the app, built the same way by the web process (embedded workers) and by
// workers/ (production): assignment, escalation (with the SLA checks), the mail transport, and
// the pg-boss queue that runs their jobs.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { AssignmentService } from '../assignment/service';
import { EscalationService } from '../escalation/service';
import { WallClockSlaChecks, type SlaChecks } from '../escalation/sla-checks';
import { QueuedMailTransport, setMailTransport, type MailTransport } from '../notifications/mail';
import { JobQueue, setJobQueue } from './queue';
import { KbService } from '../kb/service';
import { EmbeddingService } from '../search/embedding-service';
import type { KeyRing } from '../email/secrets';

export interface Background {
  assignment: AssignmentService;
  escalation: EscalationService;
  mail: MailTransport;
  jobs: JobQueue;
  /** Knowledge-base embeddings (jobs kb.embed-article, kb.reembed-all). */
  embeddings: EmbeddingService;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface BackgroundOptions {
  /** Run the job handlers in this process (embedded mode / the workers process). */
  work: boolean;
  pollingIntervalSeconds?: number;
  cronIntervalSeconds?: number;
  /** False: run no cron schedules in this process. */
  cron?: boolean;
  /** The SLA engine's checks when present; the wall-clock provisional ones otherwise. */
  sla?: SlaChecks;
  /** The KB service that drafts articles from resolved tickets (built here when not given). */
  kb?: KbService;
  /** Opens a stored embedding-provider API key (default: the process's, see search/provider.ts). */
  secrets?: KeyRing;
  /** The outbound mail service (email issue); without it notification mail stays queued. */
  mail?: MailTransport;
}

export function buildBackground(db: Kysely<DB>, opts: BackgroundOptions): Background {
  const assignment = new AssignmentService(db);
  const escalation = new EscalationService(db, opts.sla ?? new WallClockSlaChecks(db), assignment);
  const mail = opts.mail ?? new QueuedMailTransport(db);
  const kbDrafts = opts.kb ?? new KbService(db);
  const embeddings = new EmbeddingService(db, opts.secrets);
  const kb = { embedArticle: (id: string) => embeddings.embedArticle(id), reembedAll: (id: string) => embeddings.reembedAll(id) };
  const jobs = new JobQueue(db, { work: opts.work, deps: { escalation, mail, kbDrafts, kb }, pollingIntervalSeconds: opts.pollingIntervalSeconds, cronIntervalSeconds: opts.cronIntervalSeconds, cron: opts.cron });
  return {
    assignment,
    escalation,
    mail,
    jobs,
    embeddings,
    async start() {
      setMailTransport(mail);
      await jobs.start();
      setJobQueue(jobs);
    },
    async stop() {
      setJobQueue(undefined);
      await jobs.stop();
    }
  };
}
