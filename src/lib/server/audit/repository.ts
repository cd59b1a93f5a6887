import type { Insertable, Kysely } from 'kysely';
import type { AuditLogsTable, DB } from '../db/schema';

export interface AuditFilter {
  entityType?: string;
  entityId?: string;
  action?: string;
  actorId?: string;
  source?: string;
  before?: { occurredAt: Date; id: string };
  limit: number;
}

export const auditRepo = {
  insert(db: Kysely<DB>, row: Insertable<AuditLogsTable>) {
    return db.insertInto('audit_logs').values(row).execute();
  },
  list(db: Kysely<DB>, f: AuditFilter) {
    let q = db
      .selectFrom('audit_logs as a')
      .leftJoin('users as u', 'u.id', 'a.actor_id')
      .select(['a.id', 'a.occurred_at', 'a.actor_id', 'u.name as actor_name', 'u.email as actor_email', 'a.action', 'a.entity_type', 'a.entity_id', 'a.source', 'a.diff']);
    if (f.entityType) q = q.where('a.entity_type', '=', f.entityType);
    if (f.entityId) q = q.where('a.entity_id', '=', f.entityId);
    if (f.action) q = q.where('a.action', '=', f.action);
    if (f.actorId) q = q.where('a.actor_id', '=', f.actorId);
    if (f.source) q = q.where('a.source', '=', f.source as AuditLogsTable['source']);
    if (f.before) {
      const b = f.before;
      q = q.where((eb) => eb.or([eb('a.occurred_at', '<', b.occurredAt), eb.and([eb('a.occurred_at', '=', b.occurredAt), eb('a.id', '<', b.id)])]));
    }
    return q.orderBy('a.occurred_at', 'desc').orderBy('a.id', 'desc').limit(f.limit).execute();
  }
};
