import { describe, it, expect } from 'vitest';
import { firstMatch, isAvailable, pickInTeam, pickLeastLoaded, pickRoundRobin, ruleMatches, AssignmentRuleBody, Availability, type Agent, type AssignmentRule, type TicketFacts } from './decide';

const NOW = new Date('2026-03-10T12:00:00Z');
const ids = ['a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000000004'];
const agent = (id: string, o: Partial<Agent> = {}): Agent => ({ id, available: true, outOfOfficeFrom: null, outOfOfficeUntil: null, openTickets: 0, ...o });
const ticket = (o: Partial<TicketFacts> = {}): TicketFacts => ({ subject: 'Printer on floor 3 jams', description: null, priority: 'medium', categoryId: null, requesterId: ids[3], ...o });

describe('round-robin', () => {
  it('is fair: N·k picks over N available members give each exactly k, in a stable cycle', () => {
    const counts = new Map<string, number>();
    let last: string | null = null;
    const seq: string[] = [];
    for (let i = 0; i < 40; i++) {
      const p: string = pickRoundRobin(ids, new Set(ids), last)!;
      counts.set(p, (counts.get(p) ?? 0) + 1);
      seq.push(p);
      last = p;
    }
    expect([...counts.values()]).toEqual([10, 10, 10, 10]);
    expect(seq.slice(0, 5)).toEqual([ids[0], ids[1], ids[2], ids[3], ids[0]]);
  });

  it('skips unavailable members without losing their turn order, and wraps around', () => {
    const avail = new Set([ids[0], ids[2]]);
    expect(pickRoundRobin(ids, avail, ids[0])).toBe(ids[2]);
    expect(pickRoundRobin(ids, avail, ids[2])).toBe(ids[0]);
    expect(pickRoundRobin(ids, avail, null)).toBe(ids[0]);
  });

  it('continues after a cursor whose member left the team', () => {
    const gone = 'a0000000-0000-4000-8000-000000000002';
    const members = [ids[0], ids[2], ids[3]];
    expect(pickRoundRobin(members, new Set(members), gone)).toBe(ids[2]);
  });

  it('gives nobody when nobody is available or the team is empty', () => {
    expect(pickRoundRobin(ids, new Set(), null)).toBeNull();
    expect(pickRoundRobin([], new Set(), null)).toBeNull();
  });
});

describe('least-loaded', () => {
  it('picks the agent with the fewest open tickets', () => {
    const agents = [agent(ids[0], { openTickets: 4 }), agent(ids[1], { openTickets: 1 }), agent(ids[2], { openTickets: 3 })];
    expect(pickLeastLoaded(agents, NOW, null)).toBe(ids[1]);
  });

  it('breaks ties round-robin from the cursor, so tied agents take turns', () => {
    const agents = [agent(ids[0], { openTickets: 2 }), agent(ids[1], { openTickets: 1 }), agent(ids[2], { openTickets: 1 }), agent(ids[3], { openTickets: 1 })];
    expect(pickLeastLoaded(agents, NOW, null)).toBe(ids[1]);
    expect(pickLeastLoaded(agents, NOW, ids[1])).toBe(ids[2]);
    expect(pickLeastLoaded(agents, NOW, ids[3])).toBe(ids[1]);
  });

  it('ignores unavailable agents even when they have the least load', () => {
    const agents = [agent(ids[0], { openTickets: 0, available: false }), agent(ids[1], { openTickets: 0, outOfOfficeFrom: new Date('2026-03-09T00:00:00Z'), outOfOfficeUntil: new Date('2026-03-11T00:00:00Z') }), agent(ids[2], { openTickets: 7 })];
    expect(pickLeastLoaded(agents, NOW, null)).toBe(ids[2]);
  });

  it('keeps the load equal when fed its own picks', () => {
    const agents = ids.map((id) => agent(id));
    let last: string | null = null;
    for (let i = 0; i < 20; i++) {
      last = pickLeastLoaded(agents, NOW, last)!;
      agents.find((a) => a.id === last)!.openTickets++;
    }
    expect(agents.map((a) => a.openTickets)).toEqual([5, 5, 5, 5]);
  });
});

describe('availability', () => {
  it('needs the flag on and now outside the out-of-office window (half-open, either end open)', () => {
    expect(isAvailable(agent(ids[0]), NOW)).toBe(true);
    expect(isAvailable(agent(ids[0], { available: false }), NOW)).toBe(false);
    expect(isAvailable(agent(ids[0], { outOfOfficeFrom: NOW }), NOW)).toBe(false);
    expect(isAvailable(agent(ids[0], { outOfOfficeUntil: NOW }), NOW)).toBe(true);
    expect(isAvailable(agent(ids[0], { outOfOfficeUntil: new Date(NOW.getTime() + 1) }), NOW)).toBe(false);
    expect(isAvailable(agent(ids[0], { outOfOfficeFrom: new Date(NOW.getTime() + 1) }), NOW)).toBe(true);
  });

  it('refuses a window that ends before it starts, naming the field', () => {
    const r = Availability.safeParse({ available: true, outOfOfficeFrom: '2026-03-10T12:00:00Z', outOfOfficeUntil: '2026-03-09T12:00:00Z' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual(['outOfOfficeUntil']);
  });

  it('manual teams hand out nothing', () => {
    expect(pickInTeam('manual', ids.map((id) => agent(id)), NOW, null)).toBeNull();
    expect(pickInTeam('round_robin', ids.map((id) => agent(id)), NOW, ids[0])).toBe(ids[1]);
  });
});

describe('rules', () => {
  const rule = (id: string, position: number, conditions: AssignmentRule['conditions']): AssignmentRule => ({ id, name: id, position, conditions, teamId: ids[0], agentId: null, method: null });

  it('first match wins, in position order whatever the list order', () => {
    const rules = [rule('late', 5, {}), rule('vip', 1, { requesterIds: [ids[3]] }), rule('critical', 2, { priorities: ['critical'] })];
    expect(firstMatch(rules, ticket())?.id).toBe('vip');
    expect(firstMatch(rules, ticket({ requesterId: ids[2], priority: 'critical' }))?.id).toBe('critical');
    expect(firstMatch(rules, ticket({ requesterId: ids[2] }))?.id).toBe('late');
    expect(firstMatch([rule('b', 1, {}), rule('a', 1, {})], ticket())?.id).toBe('b');
  });

  it('all given conditions must hold; keywords match whole words in subject or description, case-insensitively', () => {
    const c = { categoryIds: [ids[1]], keywords: ['VPN', 'printer'] };
    expect(ruleMatches(c, ticket({ categoryId: ids[1] }))).toBe(true);
    expect(ruleMatches(c, ticket({ categoryId: ids[2] }))).toBe(false);
    expect(ruleMatches(c, ticket({ categoryId: null }))).toBe(false);
    expect(ruleMatches({ keywords: ['vpn'] }, ticket({ subject: 'Cannot connect', description: 'the VPN client hangs' }))).toBe(true);
    expect(ruleMatches({ keywords: ['vpn'] }, ticket({ subject: 'openvpnish thing' }))).toBe(false);
    expect(ruleMatches({ keywords: ['c++'] }, ticket({ subject: 'c++ compiler broken' }))).toBe(true);
    expect(ruleMatches({}, ticket())).toBe(true);
  });

  it('a rule body needs a team or an agent, and names the field otherwise', () => {
    const r = AssignmentRuleBody.safeParse({ name: 'x', conditions: {} });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual(['teamId']);
    expect(AssignmentRuleBody.safeParse({ name: 'x', conditions: { priorities: ['urgent'] }, teamId: ids[0] }).success).toBe(false);
  });
});
