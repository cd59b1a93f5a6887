// What a ticket's SLA columns mean right now, for badges and the "breaching soon" view. Only the
// synced columns are read (due dates, breach stamps, pause flag); the server's SLA job computes
// them, this just tells the agent where the ticket stands.
export type SlaKind = 'none' | 'ok' | 'soon' | 'breached' | 'paused' | 'met';
export type SlaTarget = 'first_response' | 'resolution';

export interface SlaColumns {
	status?: unknown;
	first_response_at?: unknown;
	first_response_due_at?: unknown;
	first_response_breached_at?: unknown;
	resolution_due_at?: unknown;
	resolution_breached_at?: unknown;
	resolved_at?: unknown;
	sla_paused?: unknown;
}

export interface SlaState {
	kind: SlaKind;
	target?: SlaTarget;
	/** ms epoch of the deadline that matters now. */
	due?: number;
}

/** Deadlines closer than this count as "breaching soon". */
export const SOON_MS = 2 * 3600_000;

const ms = (v: unknown): number | undefined => {
	if (typeof v !== 'string' || !v) return undefined;
	const n = Date.parse(v);
	return Number.isNaN(n) ? undefined : n;
};
const DONE = new Set(['resolved', 'closed']);

/** The SLA state of one ticket at `now`. */
export function slaState(t: SlaColumns, now = Date.now()): SlaState {
	const frDue = ms(t.first_response_due_at);
	const resDue = ms(t.resolution_due_at);
	if (frDue === undefined && resDue === undefined) return { kind: 'none' };
	const breachedStamp = Boolean(t.first_response_breached_at || t.resolution_breached_at);
	if (DONE.has(String(t.status))) return breachedStamp ? { kind: 'breached', target: t.resolution_breached_at ? 'resolution' : 'first_response' } : { kind: 'met' };
	const target: SlaTarget = !t.first_response_at && frDue !== undefined ? 'first_response' : 'resolution';
	const due = target === 'first_response' ? frDue : resDue;
	if (t.resolution_breached_at || (target === 'first_response' && t.first_response_breached_at)) return { kind: 'breached', target, due };
	if (due === undefined) return { kind: 'none' };
	if (t.sla_paused === true) return { kind: 'paused', target, due };
	if (due <= now) return { kind: 'breached', target, due };
	if (due - now <= SOON_MS) return { kind: 'soon', target, due };
	return { kind: 'ok', target, due };
}
