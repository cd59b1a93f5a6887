import { describe, it, expect } from 'vitest';
import { dueEscalations, EscalationRuleBody, raisedPriority, thresholdReached, wallClockPercent, type EscalationRule, type Progress } from './thresholds';

const T0 = new Date('2026-03-10T08:00:00Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);

describe('wall-clock percent (provisional SLA progress)', () => {
  it('measures elapsed over the target', () => {
    expect(wallClockPercent({ createdAt: T0, dueAt: at(100), pausedSeconds: 0, pausedAt: null, breachedAt: null }, at(75))).toEqual({ percent: 75, breached: false });
    expect(wallClockPercent({ createdAt: T0, dueAt: at(100), pausedSeconds: 0, pausedAt: null, breachedAt: null }, at(101))).toEqual({ percent: 101, breached: true });
  });

  it('does not count paused time, and stands still while paused', () => {
    expect(wallClockPercent({ createdAt: T0, dueAt: at(100), pausedSeconds: 30 * 60, pausedAt: null, breachedAt: null }, at(80)).percent).toBe(50);
    expect(wallClockPercent({ createdAt: T0, dueAt: at(100), pausedSeconds: 0, pausedAt: at(40), breachedAt: null }, at(500))).toEqual({ percent: 40, breached: false });
  });

  it('a recorded breach stays a breach', () => {
    expect(wallClockPercent({ createdAt: T0, dueAt: at(100), pausedSeconds: 0, pausedAt: null, breachedAt: at(50) }, at(10)).breached).toBe(true);
  });
});

describe('thresholds', () => {
  const p = (percent: number, breached = false, target: Progress['target'] = 'resolution'): Progress => ({ ticketId: 't1', target, percent, breached });
  const rule = (o: Partial<EscalationRule>): EscalationRule => ({ id: 'r', position: 0, target: 'resolution', trigger: 'percent', percent: 80, conditions: {}, actions: [{ type: 'raise_priority', to: null }], ...o });

  it('percent rules fire at or above N, and on breach; breach rules only on breach', () => {
    expect(thresholdReached(rule({}), p(79.99))).toBe(false);
    expect(thresholdReached(rule({}), p(80))).toBe(true);
    expect(thresholdReached(rule({}), p(10, true))).toBe(true);
    expect(thresholdReached(rule({ trigger: 'breach', percent: null }), p(99.9))).toBe(false);
    expect(thresholdReached(rule({ trigger: 'breach', percent: null }), p(100.1, true))).toBe(true);
  });

  it('a rule only looks at its own target', () => {
    expect(thresholdReached(rule({ target: 'first_response' }), p(95))).toBe(false);
  });

  it('due escalations honour conditions and rule order', () => {
    const rules = [rule({ id: 'late', position: 2 }), rule({ id: 'high-only', position: 1, conditions: { priorities: ['high'] } })];
    const attrs = new Map([['t1', { priority: 'high', teamId: null, categoryId: null }], ['t2', { priority: 'low', teamId: null, categoryId: null }]]);
    const due = dueEscalations(rules, [p(90), { ...p(90), ticketId: 't2' }, { ...p(10), ticketId: 't3' }], attrs);
    expect(due.map((d) => `${d.progress.ticketId}:${d.rule.id}`)).toEqual(['t1:high-only', 't1:late', 't2:late']);
  });

  it('raise priority goes one step up or to the given level, never down', () => {
    expect(raisedPriority('low', null)).toBe('medium');
    expect(raisedPriority('critical', null)).toBe('critical');
    expect(raisedPriority('medium', 'critical')).toBe('critical');
    expect(raisedPriority('high', 'low')).toBe('high');
  });

  it('rule bodies: percent required for percent triggers, forbidden for breach, named in the error', () => {
    const base = { name: 'x', target: 'resolution', actions: [{ type: 'raise_priority' }] };
    expect(EscalationRuleBody.safeParse({ ...base, trigger: 'percent' }).error?.issues[0].path).toEqual(['percent']);
    expect(EscalationRuleBody.safeParse({ ...base, trigger: 'breach', percent: 50 }).error?.issues[0].path).toEqual(['percent']);
    expect(EscalationRuleBody.safeParse({ ...base, trigger: 'breach' }).success).toBe(true);
    expect(EscalationRuleBody.safeParse({ ...base, trigger: 'breach', actions: [{ type: 'notify' }] }).error?.issues[0].path).toEqual(['actions', 0, 'userIds']);
  });
});
