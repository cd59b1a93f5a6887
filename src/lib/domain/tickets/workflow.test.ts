import { describe, it, expect } from 'vitest';
import { checkTransition, statusPatch, DEFAULT_WORKFLOW, type Workflow } from './workflow';
import { TICKET_STATUSES, type TicketStatus } from './schemas';

const ok = (from: TicketStatus, to: TicketStatus, who: 'agent' | 'requester' = 'agent') => checkTransition(from, to, who).ok;

describe('ticket workflow', () => {
  it('lets agents walk new → in_progress → waiting ↔ in_progress → resolved → closed', () => {
    expect(ok('new', 'in_progress')).toBe(true);
    expect(ok('in_progress', 'waiting')).toBe(true);
    expect(ok('waiting', 'in_progress')).toBe(true);
    expect(ok('in_progress', 'resolved')).toBe(true);
    expect(ok('resolved', 'closed')).toBe(true);
  });

  it('refuses skipping steps, and staying put is not a transition', () => {
    expect(ok('new', 'resolved')).toBe(false);
    expect(ok('new', 'closed')).toBe(false);
    expect(ok('waiting', 'resolved')).toBe(false);
    expect(ok('in_progress', 'new')).toBe(false);
    for (const s of TICKET_STATUSES) expect(ok(s, s)).toBe(false);
    const r = checkTransition('new', 'closed', 'agent');
    expect(r.ok === false && r.reason).toMatch(/New to Closed/);
  });

  it('reopens resolved and closed tickets to in_progress, closed only by an agent', () => {
    expect(checkTransition('resolved', 'in_progress', 'agent')).toEqual({ ok: true, reopen: true });
    expect(checkTransition('closed', 'in_progress', 'agent')).toEqual({ ok: true, reopen: true });
    expect(checkTransition('resolved', 'in_progress', 'requester')).toEqual({ ok: true, reopen: true });
    const r = checkTransition('closed', 'in_progress', 'requester');
    expect(r.ok).toBe(false);
    expect(r.ok === false && r.reason).toMatch(/Only the service desk/);
    expect(checkTransition('waiting', 'in_progress', 'agent')).toEqual({ ok: true, reopen: false });
  });

  it('keeps closed final otherwise, and requesters to accepting or reopening a resolution', () => {
    for (const to of TICKET_STATUSES) if (to !== 'in_progress') expect(ok('closed', to)).toBe(false);
    expect(ok('resolved', 'closed', 'requester')).toBe(true);
    for (const from of ['new', 'in_progress', 'waiting'] as const) for (const to of TICKET_STATUSES) expect(ok(from, to, 'requester')).toBe(false);
  });

  it('takes a configured workflow', () => {
    const wf: Workflow = { ...DEFAULT_WORKFLOW, transitions: { ...DEFAULT_WORKFLOW.transitions, new: ['in_progress', 'resolved'] } };
    expect(checkTransition('new', 'resolved', 'agent', wf).ok).toBe(true);
    expect(checkTransition('new', 'resolved', 'agent').ok).toBe(false);
  });
});

describe('statusPatch', () => {
  const at = new Date('2026-03-01T10:00:00Z');
  const earlier = new Date('2026-02-27T09:00:00Z');

  it('stamps resolution and closing with the device time', () => {
    expect(statusPatch({ status: 'in_progress', resolved_at: null, reopen_count: 0 }, 'resolved', at, { reopen: false })).toEqual({
      status: 'resolved',
      resolved_at: at,
      resolution_code: 'solved'
    });
    expect(statusPatch({ status: 'resolved', resolved_at: earlier, reopen_count: 0 }, 'closed', at, { reopen: false })).toEqual({ status: 'closed', closed_at: at });
  });

  it('clears the resolution and counts a reopen', () => {
    expect(statusPatch({ status: 'closed', resolved_at: earlier, reopen_count: 2 }, 'in_progress', at, { reopen: true })).toEqual({
      status: 'in_progress',
      reopened_at: at,
      reopen_count: 3,
      resolved_at: null,
      closed_at: null,
      resolution_code: null,
      resolution_notes: null
    });
  });

  it('sets the waiting reason entering waiting and clears it leaving', () => {
    expect(statusPatch({ status: 'in_progress', resolved_at: null, reopen_count: 0 }, 'waiting', at, { reopen: false, waitingReason: 'parts' })).toEqual({ status: 'waiting', waiting_reason: 'parts' });
    expect(statusPatch({ status: 'waiting', resolved_at: null, reopen_count: 0 }, 'in_progress', at, { reopen: false })).toEqual({ status: 'in_progress', waiting_reason: null });
  });
});
