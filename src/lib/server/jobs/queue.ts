// pg-boss over the app's own Kysely connection, so it works the same on PostgreSQL and on the
// embedded PGlite (one session: pg-boss must queue behind our transactions, never beside them).
//
// Atomicity: enqueue(trx, …) runs pg-boss's insert through the caller's transaction (`send` with
// `db` bound to `trx`), so the job row commits or rolls back with the change it follows — no
// outbox, no window where the change exists without its job or the job without its change.
import PgBoss from 'pg-boss';
import { CompiledQuery, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { AppError } from '$lib/domain/common/errors';
import { jobs, JOB_NAMES, type JobDeps, type JobName, type JobPayload } from './registry';
import { log } from '../log';

export const BOSS_SCHEMA = 'pgboss';
/** How long an eager queue's wake-up waits for more commits to join it (ms), unless its definition says (wakeMs). */
const WAKE_MS = 50;

/** pg-boss's `Db` over any Kysely executor: the pool, or one transaction. */
export function bossDb(db: Kysely<DB>): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      // No parameters → simple protocol, which pg-boss needs for its multi-statement DDL.
      const r = await db.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: r.rows as unknown[] };
    }
  };
}

export interface QueueOptions {
  /** Run handlers here (embedded mode, or the workers/ process). False: only enqueue. */
  work: boolean;
  deps?: JobDeps;
  /** Seconds between polls of each queue (pg-boss default 2). */
  pollingIntervalSeconds?: number;
  /** Seconds between checks of the cron schedules (pg-boss default 30; 1–45). */
  cronIntervalSeconds?: number;
  /** False: no cron here (benches, one-off tools); jobs are still worked when `work`. */
  cron?: boolean;
}

export class JobQueue {
  readonly boss: PgBoss;
  #started = false;
  /** Worker ids of the eager queues worked here (JobQueue.wake). */
  #eager = new Map<string, string[]>();
  #waking = new Set<string>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly opts: QueueOptions
  ) {
    this.boss = new PgBoss({
      db: bossDb(db),
      schema: BOSS_SCHEMA,
      // Cron and maintenance only where jobs are worked; an enqueue-only web process stays quiet.
      schedule: opts.work && opts.cron !== false,
      supervise: opts.work,
      cronMonitorIntervalSeconds: opts.cronIntervalSeconds ?? 30,
      cronWorkerIntervalSeconds: opts.cronIntervalSeconds ?? 5
    });
    this.boss.on('error', (e) => log.error('job queue error', { error: e }));
  }

  get started() {
    return this.#started;
  }

  async start() {
    await this.boss.start();
    for (const name of JOB_NAMES) {
      const d = jobs[name];
      const existing = await this.boss.getQueue(name);
      const opts = { name, policy: 'standard' as const, retryLimit: d.retry.retryLimit, retryDelay: d.retry.retryDelay, retryBackoff: d.retry.retryBackoff, expireInSeconds: d.retry.expireInSeconds };
      if (!existing) await this.boss.createQueue(name, opts).catch(async (e) => {
        // Two processes starting together: the other one created it first.
        if (!(await this.boss.getQueue(name))) throw e;
      });
      else await this.boss.updateQueue(name, opts);
    }
    if (this.opts.work) {
      const deps = this.opts.deps;
      if (!deps) throw new Error('JobQueue: work=true needs the handlers’ dependencies');
      for (const name of JOB_NAMES) {
        const d = jobs[name];
        if (d.cron && this.opts.cron !== false) await this.boss.schedule(name, d.cron, {}, { retryLimit: d.retry.retryLimit });
        const batchSize = d.batchSize ?? 1;
        const id = await this.boss.work(name, { batchSize, pollingIntervalSeconds: this.opts.pollingIntervalSeconds ?? 2 }, async (batch) => {
          const t = performance.now();
          // A full batch: more are probably waiting; skip the poll interval and fetch again at once.
          if (d.eager && batch.length >= batchSize) this.boss.notifyWorker(id);
          const parsed = batch.map((job) => {
            const payload = d.payload.safeParse(job.data);
            // A malformed payload can never succeed: fail it without retries filling the log.
            if (!payload.success) throw new Error(`${name}: bad payload: ${payload.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
            return payload.data;
          });
          const many = d.batchHandler ? await (d.batchHandler as (p: unknown[], deps: JobDeps) => Promise<PromiseSettledResult<unknown>[]> | undefined)(parsed, deps) : undefined;
          if (many) {
            // Only the jobs whose message failed are failed (retried); pg-boss completes the rest.
            for (const [i, r] of many.entries()) {
              if (r.status === 'fulfilled') continue;
              log.warn('job failed', { job: name, id: batch[i].id, error: r.reason });
              await this.boss.fail(name, batch[i].id, { message: r.reason instanceof Error ? r.reason.message : String(r.reason) });
            }
          } else {
            for (const [i, job] of batch.entries()) {
              try {
                await (d.handler as (p: unknown, deps: JobDeps) => Promise<unknown>)(parsed[i], deps);
              } catch (e) {
                log.warn('job failed', { job: name, id: job.id, error: e });
                throw e;
              }
            }
          }
          if (performance.now() - t > 1000) log.info('slow job', { job: name, ids: batch.length, ms: Math.round(performance.now() - t) });
        });
        if (d.eager) this.#eager.set(name, [...(this.#eager.get(name) ?? []), id]);
      }
    }
    this.#started = true;
    return this;
  }

  async stop() {
    if (!this.#started) return;
    this.#started = false;
    // graceful: active handlers finish; close: false — the Kysely pool is the app's, not pg-boss's.
    await this.boss.stop({ graceful: true, close: false, wait: true, timeout: 15_000 });
  }

  /**
   * After a commit that enqueued jobs of an eager queue: this process's worker fetches now instead
   * of at its next poll (other processes still poll). Cheap when nothing is worked here.
   */
  wake(name: JobName) {
    // Coalesced: a burst of commits wakes the worker once per wake delay, so it fetches a batch, not one job per commit.
    if (this.#waking.has(name) || !this.#eager.has(name)) return;
    this.#waking.add(name);
    setTimeout(() => {
      this.#waking.delete(name);
      for (const id of this.#eager.get(name) ?? []) this.boss.notifyWorker(id);
    }, jobs[name].wakeMs ?? WAKE_MS).unref();
  }

  #collected = new WeakMap<object, PgBoss.JobInsert[]>();

  /**
   * From now on, plain enqueue(trx, …) calls on this transaction are held and inserted together by
   * flushCollected(trx), which the caller must run before the transaction ends (a batch of
   * ingested emails: one insert for all their acknowledgements' jobs instead of one each).
   */
  collect(trx: Kysely<DB>) {
    this.#collected.set(trx, []);
  }
  async flushCollected(trx: Kysely<DB>) {
    const held = this.#collected.get(trx);
    this.#collected.delete(trx);
    if (held?.length) await this.boss.insert(held, { db: bossDb(trx) });
  }

  /** Enqueues `name` inside `trx`: the job exists if and only if the transaction commits. */
  async enqueue<N extends JobName>(trx: Kysely<DB>, name: N, payload: JobPayload<N>, options: { startAfter?: Date; singletonKey?: string } = {}) {
    const d = jobs[name];
    const parsed = d.payload.safeParse(payload);
    if (!parsed.success) throw new AppError('validation', `${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ')}`);
    const held = options.startAfter || options.singletonKey ? undefined : this.#collected.get(trx);
    if (held) {
      held.push({ name, data: parsed.data as object, retryLimit: d.retry.retryLimit, retryDelay: d.retry.retryDelay, retryBackoff: d.retry.retryBackoff, expireInSeconds: d.retry.expireInSeconds });
      return null;
    }
    return this.boss.send(name, parsed.data as object, {
      db: bossDb(trx),
      retryLimit: d.retry.retryLimit,
      retryDelay: d.retry.retryDelay,
      retryBackoff: d.retry.retryBackoff,
      expireInSeconds: d.retry.expireInSeconds,
      ...options
    });
  }
}

// The process's queue, set by whoever starts it (app.ts or workers/), so services deep in a
// transaction (notifications, mail) can enqueue without threading it through every constructor.
const QUEUE = Symbol.for('outpost.jobs');
type G = typeof globalThis & { [QUEUE]?: JobQueue };
const g = globalThis as G;

export function setJobQueue(q: JobQueue | undefined) {
  g[QUEUE] = q;
}
export function jobQueue(): JobQueue | undefined {
  return g[QUEUE];
}

/** enqueue(trx, name, payload) with the process's queue; throws when no queue was started. */
export async function enqueue<N extends JobName>(trx: Kysely<DB>, name: N, payload: JobPayload<N>, options?: { startAfter?: Date; singletonKey?: string }) {
  const q = jobQueue();
  if (!q) throw new Error(`enqueue(${name}): the job queue is not started`);
  return q.enqueue(trx, name, payload, options);
}
