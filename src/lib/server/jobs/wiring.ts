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

export interface Background {
  assignment: AssignmentService;
  escalation: EscalationService;
  mail: MailTransport;
  jobs: JobQueue;
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
  /** The outbound mail service (email issue); without it notification mail stays queued. */
  mail?: MailTransport;
}

export function buildBackground(db: Kysely<DB>, opts: BackgroundOptions): Background {
  const assignment = new AssignmentService(db);
  const escalation = new EscalationService(db, opts.sla ?? new WallClockSlaChecks(db), assignment);
  const mail = opts.mail ?? new QueuedMailTransport(db);
  const jobs = new JobQueue(db, { work: opts.work, deps: { escalation, mail }, pollingIntervalSeconds: opts.pollingIntervalSeconds, cronIntervalSeconds: opts.cronIntervalSeconds, cron: opts.cron });
  return {
    assignment,
    escalation,
    mail,
    jobs,
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
