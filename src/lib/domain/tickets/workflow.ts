// The ticket status workflow. The default is
//   new → in_progress → waiting ↔ in_progress → resolved → closed
// with reopening resolved (anyone who may act on the ticket) and closed (agents only) back to
// in_progress. A Workflow value is plain data so admins can configure it later.
import type { ResolutionCode, TicketStatus } from './schemas';

export interface Workflow {
  /** Moves open to whoever may update tickets (agents). */
  transitions: Readonly<Record<TicketStatus, readonly TicketStatus[]>>;
  /** Moves a requester may make on their own ticket. */
  requesterTransitions: Readonly<Partial<Record<TicketStatus, readonly TicketStatus[]>>>;
  /** Leaving one of these for an open status is a reopen. */
  reopenFrom: readonly TicketStatus[];
}

export const DEFAULT_WORKFLOW: Workflow = {
  transitions: {
    new: ['in_progress'],
    in_progress: ['waiting', 'resolved'],
    waiting: ['in_progress'],
    resolved: ['in_progress', 'closed'],
    closed: ['in_progress']
  },
  requesterTransitions: { resolved: ['in_progress', 'closed'] },
  reopenFrom: ['resolved', 'closed']
};

const LABEL: Record<TicketStatus, string> = { new: 'New', in_progress: 'In Progress', waiting: 'Waiting', resolved: 'Resolved', closed: 'Closed' };

export type TransitionCheck = { ok: true; reopen: boolean } | { ok: false; reason: string };

/** Whether `who` may move a ticket from `from` to `to`. Staying put is not a transition. */
export function checkTransition(from: TicketStatus, to: TicketStatus, who: 'agent' | 'requester', wf: Workflow = DEFAULT_WORKFLOW): TransitionCheck {
  if (from === to) return { ok: false, reason: `The ticket is already ${LABEL[to]}` };
  const allowed = who === 'agent' ? wf.transitions[from] : (wf.requesterTransitions[from] ?? []);
  if (!allowed.includes(to)) {
    if (who === 'requester' && wf.transitions[from].includes(to)) return { ok: false, reason: `Only the service desk can move a ticket from ${LABEL[from]} to ${LABEL[to]}` };
    if (from === 'closed') return { ok: false, reason: 'The ticket is closed; an agent can reopen it' };
    return { ok: false, reason: `A ticket cannot go from ${LABEL[from]} to ${LABEL[to]}` };
  }
  return { ok: true, reopen: wf.reopenFrom.includes(from) && !wf.reopenFrom.includes(to) };
}

export interface StatusState {
  status: TicketStatus;
  resolved_at: Date | null;
  reopen_count: number;
}

export interface StatusPatch {
  status: TicketStatus;
  waiting_reason?: string | null;
  resolved_at?: Date | null;
  closed_at?: Date | null;
  reopened_at?: Date;
  reopen_count?: number;
  resolution_code?: ResolutionCode | null;
  resolution_notes?: string | null;
}

/** The columns a (checked) status change sets, stamped with `at` (the clamped device time). */
export function statusPatch(
  cur: StatusState,
  to: TicketStatus,
  at: Date,
  opts: { reopen: boolean; waitingReason?: string | null; resolutionCode?: ResolutionCode; resolutionNotes?: string | null }
): StatusPatch {
  const p: StatusPatch = { status: to };
  if (to === 'waiting') p.waiting_reason = opts.waitingReason ?? null;
  else if (cur.status === 'waiting') p.waiting_reason = null;
  if (opts.reopen) {
    p.reopened_at = at;
    p.reopen_count = cur.reopen_count + 1;
    p.resolved_at = null;
    p.closed_at = null;
    p.resolution_code = null;
    p.resolution_notes = null;
  }
  if (to === 'resolved') {
    p.resolved_at = at;
    p.resolution_code = opts.resolutionCode ?? 'solved';
    if (opts.resolutionNotes !== undefined) p.resolution_notes = opts.resolutionNotes;
  }
  if (to === 'closed') {
    p.closed_at = at;
    if (!cur.resolved_at) p.resolved_at = at;
  }
  return p;
}
