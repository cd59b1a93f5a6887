// The SLA facts escalation needs, behind a small interface: checkBreaches(now) records `breached`
// sla_events idempotently, progress(now) measures how far each running target has got. The app
// wires the SLA engine (SlaService: breaches and progress on the policies' business calendars,
// pauses excluded). WallClockSlaChecks below is the fallback for a queue built without the engine
// (buildBackground's default, used by tests and benches that set the SLA columns directly): it
// reads the cached columns and measures wall-clock time.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Progress } from '$lib/domain/escalation/thresholds';

export interface SlaChecks {
  checkBreaches(now: Date): Promise<unknown>;
  progress(now: Date): Promise<Array<{ ticketId: string; target: 'first_response' | 'resolution'; percent: number; breached: boolean }>>;
}

/**
 * Provisional: percent = (now − created_at − sla_paused_seconds) / (due − created_at) × 100, with
 * "now" frozen at sla_paused_at while paused (same formula as wallClockPercent in the domain,
 * computed in SQL so a sweep over many open tickets is one query). Breach: the breached_at column
 * is set, or now is past due. checkBreaches is a no-op here: recording breaches is the SLA engine's.
 */
export class WallClockSlaChecks implements SlaChecks {
  constructor(private readonly db: Kysely<DB>) {}

  async checkBreaches(): Promise<void> {}

  async progress(now: Date): Promise<Progress[]> {
    const r = await sql<{ ticket_id: string; target: 'first_response' | 'resolution'; percent: string; breached: boolean }>`
      with open as (
        select id, created_at, sla_paused_seconds,
               case when sla_paused and sla_paused_at is not null and sla_paused_at < ${now} then sla_paused_at else ${now}::timestamptz end as eff,
               first_response_due_at, first_response_at, first_response_breached_at,
               resolution_due_at, resolution_breached_at
          from tickets
         where status not in ('resolved', 'closed') and deleted_at is null
           and (first_response_due_at is not null or resolution_due_at is not null)
      ), measured as (
        select id as ticket_id, 'first_response' as target, first_response_due_at as due, created_at, sla_paused_seconds, eff,
               first_response_breached_at is not null as marked
          from open where first_response_due_at is not null and first_response_at is null
        union all
        select id, 'resolution', resolution_due_at, created_at, sla_paused_seconds, eff, resolution_breached_at is not null
          from open where resolution_due_at is not null
      )
      select ticket_id, target,
             case when due <= created_at then 100
                  else greatest(0, round((extract(epoch from (eff - created_at)) - sla_paused_seconds) / extract(epoch from (due - created_at)) * 100, 2)) end as percent,
             marked or eff > due as breached
        from measured`.execute(this.db);
    return r.rows.map((x) => ({ ticketId: x.ticket_id, target: x.target, percent: Number(x.percent), breached: x.breached }));
  }
}
