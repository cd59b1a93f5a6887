import type { Actor } from '$lib/domain/auth/permissions';
import type { AuditSource } from '$lib/domain/audit/schemas';

/** What every service call receives: who acts, through which channel, from where. */
export interface RequestContext {
  actor: Actor;
  source: AuditSource;
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}
