// Background jobs, automatic assignment, escalation and notification preferences, in process
// against real databases (PGlite in memory; a fresh PostgreSQL database): pg-boss enqueue is
// transactional, cron escalation run by two pg-boss instances (two connection pools, as two
// worker processes would have) applies each rule exactly once, round-robin stays fair under 20
// concurrent creations, and preferences decide whether an email is queued.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { uuidv7 } from 'uuidv7';
import { openDatabase, type Database } from '../../src/lib/server/db/connection';
import { TicketsService } from '../../src/lib/server/tickets/service';
import { NotificationsService } from '../../src/lib/server/notifications/service';
import { buildBackground, type Background } from '../../src/lib/server/jobs/wiring';
import { openFixtureDb, person, team, timing, waitFor, type Person } from '../support/jobs-fixture';
import { SlaService } from '../../src/lib/server/sla/service';
import { WallClockSlaChecks } from '../../src/lib/server/escalation/sla-checks';
import { CalendarBody, PolicyBody } from '../../src/lib/domain/sla/schemas';
import type { Backend } from '../support/backends';

const backends = inject('backends') as Backend[];
const MIN = 60_000;

describe.each(backends)('jobs, assignment and escalation on %s', (backend) => {
  let database: Database;
  let url: string | undefined;
  let drop: () => Promise<void>;
  let bg: Background;
  let tickets: TicketsService;
  let notifications: NotificationsService;
  let admin: Person;
  const q = async <T = Record<string, any>>(text: string, params: unknown[] = []) => {
    const { CompiledQuery } = await import('kysely');
    return (await database.db.executeQuery(CompiledQuery.raw(text, params))).rows as T[];
  };

  beforeAll(async () => {
    ({ database, url, drop } = await openFixtureDb(backend));
    bg = buildBackground(database.db, { work: true, pollingIntervalSeconds: 0.5, cronIntervalSeconds: 1 });
    tickets = new TicketsService(database.db);
    tickets.autoAssign = (trx, t, now) => bg.assignment.decide(trx, t, now);
    notifications = new NotificationsService(database.db);
    await bg.start();
    admin = await person(database, 'admin', 'Ada Admin');
  });

  afterAll(async () => {
    await bg?.stop();
    await drop?.();
  });

  it('a job enqueued in a rolled-back transaction never exists, so never runs; a committed one runs', async () => {
    let rolledBackId: string | null = null;
    await expect(
      database.db.transaction().execute(async (trx) => {
        rolledBackId = await bg.jobs.enqueue(trx, 'system.heartbeat', { id: uuidv7() });
        expect(rolledBackId).toBeTruthy();
        throw new Error('roll back');
      })
    ).rejects.toThrow('roll back');
    const committedId = await database.db.transaction().execute((trx) => bg.jobs.enqueue(trx, 'system.heartbeat', { id: uuidv7() }));
    // The committed job runs (the worker polls every 0.5 s)…
    await waitFor('the committed job to complete', async () => (await bg.jobs.boss.getJobById('system.heartbeat', committedId!))?.state === 'completed');
    // …and by then the rolled-back one is nowhere: not in the queue, not in the archive.
    expect(await bg.jobs.boss.getJobById('system.heartbeat', rolledBackId!)).toBeNull();
    const rows = await q(`select count(*)::int as n from pgboss.job where id = $1`, [rolledBackId]);
    expect(rows[0].n).toBe(0);
  });

  it('OUTPOST_WORKERS=external: a web process queue that does not work jobs still enqueues, and a worker runs them', async () => {
    const web = buildBackground(database.db, { work: false });
    await web.jobs.start();
    try {
      const id = await database.db.transaction().execute((trx) => web.jobs.enqueue(trx, 'system.heartbeat', { id: uuidv7() }));
      await waitFor('the worker to run the web process job', async () => (await bg.jobs.boss.getJobById('system.heartbeat', id!))?.state === 'completed');
    } finally {
      await web.jobs.stop();
    }
  });

  it('bad payloads are refused at enqueue with the field named', async () => {
    await expect(database.db.transaction().execute((trx) => bg.jobs.enqueue(trx, 'email.deliver', { emailMessageId: 'nope' } as never))).rejects.toThrow(/emailMessageId/);
  });

  it('round-robin: 20 concurrent creations go 5/5/5/5 to the four available agents, none to the unavailable or out-of-office ones', async () => {
    const now = Date.now();
    const agents = await Promise.all(['Ann', 'Ben', 'Cid', 'Dee'].map((n) => person(database, 'agent', n)));
    const away = await person(database, 'agent', 'Eve Away', { available: false });
    const ooo = await person(database, 'agent', 'Ole OOO', { oooFrom: new Date(now - 3600_000), oooUntil: new Date(now + 3600_000) });
    const requester = await person(database, 'end_user', 'Rita Requester');
    const teamId = await team(database, `Service desk ${uuidv7().slice(-4)}`, 'round_robin', [...agents, away, ooo]);
    await bg.assignment.createRule(admin.ctx, { name: 'printers to the desk', position: 1, active: true, conditions: { keywords: ['printer'] }, teamId, agentId: null, method: null });
    const ids = Array.from({ length: 20 }, () => uuidv7());
    await Promise.all(ids.map((id, i) => tickets.create(requester.ctx, { id, subject: `Printer ${i} jams`, description: null }, timing())));
    const rows = await q<{ assignee_id: string; n: number }>(`select assignee_id, count(*)::int as n from tickets where id = any($1::uuid[]) group by assignee_id`, [ids]);
    const counts = Object.fromEntries(rows.map((r) => [r.assignee_id, r.n]));
    expect(counts).toEqual(Object.fromEntries(agents.map((a) => [a.id, 5])));
    const teams = await q(`select distinct team_id from tickets where id = any($1::uuid[])`, [ids]);
    expect(teams).toEqual([{ team_id: teamId }]);
    // Each automatic assignment left history (by the system), audit, and told the agent.
    const hist = await q(`select count(*)::int as n from ticket_history where ticket_id = any($1::uuid[]) and action = 'assigned' and actor_type = 'system'`, [ids]);
    expect(hist[0].n).toBe(20);
    const audit = await q(`select count(*)::int as n from audit_logs where action = 'ticket.auto_assign' and entity_id = any($1::text[])`, [ids]);
    expect(audit[0].n).toBe(20);
    const notes = await q(`select count(*)::int as n from notifications where type = 'ticket.assigned' and ticket_id = any($1::uuid[])`, [ids]);
    expect(notes[0].n).toBe(20);
    await bg.assignment.deleteRule(admin.ctx, (await bg.assignment.listRules(admin.ctx)).items[0].id);
  });

  it('a ticket from email is planned like any other: a rule assigns it within the team, its SLA clocks start, the agent is told', async () => {
    const agents = await Promise.all(['Fay', 'Gus'].map((n) => person(database, 'agent', `${n} Mail`)));
    const requester = await person(database, 'end_user', 'Mona Mailer');
    const teamId = await team(database, `Mail desk ${uuidv7().slice(-4)}`, 'round_robin', agents);
    await bg.assignment.createRule(admin.ctx, { name: 'scanners to the mail desk', position: 1, active: true, conditions: { keywords: ['scanner'] }, teamId, agentId: null, method: null });
    try {
      const id = uuidv7();
      const view = await database.db.transaction().execute((trx) =>
        tickets.createFromEmail({ ...requester.ctx, source: 'email' }, { id, subject: 'Scanner feeds two pages at once', description: 'Since Monday.', descriptionHtml: null, ccEmails: ['boss@customer.example'] }, timing(), trx)
      );
      expect(view).toMatchObject({ id, status: 'new', requester_id: requester.id });
      const [t] = await q(`select source, team_id, assignee_id, cc_emails, sla_policy_id, first_response_due_at from tickets where id = $1`, [id]);
      expect(t).toMatchObject({ source: 'email', team_id: teamId, cc_emails: ['boss@customer.example'] });
      expect(agents.map((a) => a.id)).toContain(t.assignee_id);
      expect(t.sla_policy_id).toBeTruthy();
      expect(t.first_response_due_at).toBeTruthy();
      expect(await q(`select kind from sla_events where ticket_id = $1 and kind = 'start'`, [id])).not.toEqual([]);
      expect(await q(`select user_id from notifications where type = 'ticket.assigned' and ticket_id = $1`, [id])).toEqual([{ user_id: t.assignee_id }]);
      expect(await q(`select action from ticket_history where ticket_id = $1 and actor_type = 'system' order by action`, [id])).toEqual([{ action: 'assigned' }, { action: 'updated' }]);
    } finally {
      await bg.assignment.deleteRule(admin.ctx, (await bg.assignment.listRules(admin.ctx)).items[0].id);
    }
  });

  it('a creation without a caller transaction: alone when the insert is the only write, whole or nothing when its id exists', async () => {
    const requester = await person(database, 'end_user', 'Nora Nobody');
    const agent = await person(database, 'agent', 'Otto Other');
    // No rule, no team: the automatic assignment decides without the database, the insert runs alone.
    const id = uuidv7();
    const made = await tickets.createTicket(requester.ctx, { id, subject: 'Keyboard missing keys', description: null }, timing());
    expect(made.view).toMatchObject({ id, status: 'new', requester_id: requester.id });
    const trail = async () => (await q<{ n: number }>(`select (select count(*) from ticket_history where ticket_id = $1)::int + (select count(*) from audit_logs where entity_id = $2)::int as n`, [id, id]))[0].n;
    const before = await trail();
    expect(before).toBeGreaterThanOrEqual(2);
    // The same id again (a client id reused): a conflict, and nothing of the second trail is left.
    await expect(tickets.createTicket(requester.ctx, { id, subject: 'Another ticket', description: null }, timing())).rejects.toMatchObject({ code: 'conflict' });
    expect(await trail()).toBe(before);
    expect((await q(`select subject from tickets where id = $1`, [id]))[0].subject).toBe('Keyboard missing keys');
    // Assigned to someone else: the notification commits with the ticket.
    const other = uuidv7();
    await tickets.createTicket(admin.ctx, { id: other, subject: 'Projector flickers', description: null }, timing(), undefined, { assignee_id: agent.id });
    const notes = await q(`select user_id from notifications where type = 'ticket.assigned' and ticket_id = $1`, [other]);
    expect(notes).toEqual([{ user_id: agent.id }]);
  });

  it('cron escalation with two pg-boss instances applies each rule exactly once per ticket and target', async () => {
    // A second worker: its own connection pool on PostgreSQL (as another process would have); on
    // PGlite the same single session (one process owns it), so sweeps interleave but share it.
    const second = backend === 'postgres' ? await openDatabase({ databaseUrl: url!, poolMax: 10 }) : database;
    const bg2 = buildBackground(second.db, { work: true, pollingIntervalSeconds: 0.5, cronIntervalSeconds: 1 });
    await bg2.jobs.start(); // queue only: the module-level queue stays bg's
    try {
      const lead = await person(database, 'agent', 'Lou Lead');
      const agent = await person(database, 'agent', 'Max Agent');
      const tier2 = await Promise.all(['Nia', 'Oto'].map((n) => person(database, 'agent', `${n} Tier2`)));
      const t1 = await team(database, `Tier 1 ${uuidv7().slice(-4)}`, 'manual', [agent, lead], lead.id);
      const t2 = await team(database, `Tier 2 ${uuidv7().slice(-4)}`, 'round_robin', tier2);
      const r1 = await bg.escalation.createRule(admin.ctx, {
        name: 'first response at 75 %',
        position: 1,
        active: true,
        target: 'first_response',
        trigger: 'percent',
        percent: 75,
        conditions: {},
        actions: [{ type: 'notify', userIds: [], assignee: true, team: false, manager: true }, { type: 'raise_priority', to: null }]
      });
      const r2 = await bg.escalation.createRule(admin.ctx, {
        name: 'resolution breached',
        position: 2,
        active: true,
        target: 'resolution',
        trigger: 'breach',
        percent: null,
        conditions: { priorities: ['medium', 'high'] },
        actions: [{ type: 'reassign', agentId: null, teamId: t2 }]
      });
      const ids = Array.from({ length: 6 }, () => uuidv7());
      for (const id of ids) await tickets.create(admin.ctx, { id, subject: 'VPN down', description: null, priority: 'medium', requester_id: agent.id }, timing());
      const now = Date.now();
      // 90 % of the first-response time used, resolution overdue (the SLA engine would set these).
      await q(
        `update tickets set team_id = $2, assignee_id = $3, created_at = $4, first_response_due_at = $5, resolution_due_at = $6 where id = any($1::uuid[])`,
        [ids, t1, agent.id, new Date(now - 90 * MIN), new Date(now + 10 * MIN), new Date(now - 5 * MIN)]
      );
      // Both instances work sla.escalate: the cron fires once a minute (pg-boss makes one job per
      // slot, whoever schedules it); extra jobs and direct sweeps make the two race for real.
      for (let i = 0; i < 3; i++) {
        await bg.jobs.boss.send('sla.escalate', {});
        await bg2.jobs.boss.send('sla.escalate', {});
      }
      await Promise.all([bg.escalation.sweep(new Date()), bg2.escalation.sweep(new Date()), bg.escalation.sweep(new Date()), bg2.escalation.sweep(new Date())]);
      await waitFor('the sla.escalate jobs (cron and sent) to complete', async () => {
        const r = await q(`select count(*)::int as n from pgboss.job where name = 'sla.escalate' and state = 'completed'`);
        const open = await q(`select count(*)::int as n from pgboss.job where name = 'sla.escalate' and state in ('created', 'active', 'retry')`);
        return r[0].n >= 7 && open[0].n === 0;
      });
      // pg-boss's cron goes through its send-it queue (one job per minute slot, keyed by the job name).
      const cron = await q(`select count(*)::int as n from pgboss.job where name = '__pgboss__send-it' and singleton_key = 'sla.escalate' and state = 'completed'`);
      expect(cron[0].n, 'the cron schedule delivered sla.escalate').toBeGreaterThanOrEqual(1);

      const log = await q(`select rule_id, target, count(*)::int as n from escalation_log where ticket_id = any($1::uuid[]) group by 1, 2 order by 2`, [ids]);
      expect(log).toEqual([
        { rule_id: r1.id, target: 'first_response', n: 6 },
        { rule_id: r2.id, target: 'resolution', n: 6 }
      ]);
      // raise_priority once: medium → high, not critical.
      const prios = await q(`select priority, count(*)::int as n from tickets where id = any($1::uuid[]) group by 1`, [ids]);
      expect(prios).toEqual([{ priority: 'high', n: 6 }]);
      // notify once: the assignee and the manager (team lead), one escalation notification each per ticket.
      const notes = await q(`select user_id, count(*)::int as n from notifications where type = 'escalation' and ticket_id = any($1::uuid[]) group by 1 order by 2`, [ids]);
      expect(new Map(notes.map((r) => [r.user_id, r.n]))).toEqual(new Map([[agent.id, 6], [lead.id, 6]]));
      // reassign once: into tier 2, round-robin, 3 and 3.
      const owners = await q(`select team_id, assignee_id, count(*)::int as n from tickets where id = any($1::uuid[]) group by 1, 2`, [ids]);
      expect(owners.map((r) => r.team_id)).toEqual([t2, t2]);
      expect(owners.map((r) => r.n)).toEqual([3, 3]);
      // Every action has history and audit, once.
      const hist = await q(`select action, field, count(*)::int as n from ticket_history where ticket_id = any($1::uuid[]) and actor_type = 'system' group by 1, 2 order by 1, 2`, [ids]);
      expect(hist).toEqual([
        { action: 'assigned', field: 'assignee_id', n: 6 },
        { action: 'escalated', field: null, n: 12 },
        { action: 'updated', field: 'priority', n: 6 },
        { action: 'updated', field: 'team_id', n: 6 }
      ]);
      const audit = await q(`select action, count(*)::int as n from audit_logs where entity_id = any($1::text[]) and action like 'ticket.escalate%' group by 1 order by 1`, [ids]);
      expect(audit).toEqual([
        { action: 'ticket.escalate', n: 12 },
        { action: 'ticket.escalate_priority', n: 6 },
        { action: 'ticket.escalate_reassign', n: 6 }
      ]);
      // Built-in SLA notices: one breach notice (resolution) per ticket, one warning (first response at 90 %).
      const notices = await q(`select kind, target, count(*)::int as n from sla_notices where ticket_id = any($1::uuid[]) group by 1, 2 order by 1`, [ids]);
      expect(notices).toEqual([
        { kind: 'breached', target: 'resolution', n: 6 },
        { kind: 'warning', target: 'first_response', n: 6 }
      ]);
      // A later sweep finds nothing left to do.
      const again = await bg2.escalation.sweep(new Date());
      expect(again.applied).toBe(0);
      expect(again.notices).toBe(0);
    } finally {
      await bg2.jobs.stop();
      if (second !== database) await second.close();
    }
  });

  it('measures escalation percent thresholds in business time (the policy calendar, pauses), not on the wall clock', async () => {
    const sla = new SlaService(database.db);
    const week = { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']], sat: [], sun: [] };
    const cal = await sla.createCalendar(admin.ctx, CalendarBody.parse({ name: `Office ${uuidv7().slice(-6)}`, timeZone: 'UTC', weeklyHours: week }));
    const pol = await sla.createPolicy(admin.ctx, PolicyBody.parse({ name: `Critical office ${uuidv7().slice(-6)}`, conditions: { priority: ['critical'] }, targets: { critical: { firstResponseMinutes: 16 * 60, resolutionMinutes: 32 * 60 } }, calendarId: cal.id, position: 0 }));
    // Created Friday 2025-06-06 09:00 UTC; measured Monday 09:00: 8 business hours used (72 wall-clock hours).
    const id = uuidv7();
    await tickets.create(admin.ctx, { id, subject: 'Core switch flapping', description: null, priority: 'critical' }, timing(new Date('2025-06-06T09:00:00Z')));
    const now = new Date('2025-06-09T09:00:00Z');
    const mine = (p: { ticketId: string; target: string; percent: number; breached: boolean }[]) => Object.fromEntries(p.filter((x) => x.ticketId === id).map((x) => [x.target, { percent: x.percent, breached: x.breached }]));
    expect(mine(await sla.progress(now))).toEqual({ first_response: { percent: 50, breached: false }, resolution: { percent: 25, breached: false } });
    // The wall-clock measure it replaces would have escalated at "90 %" of first response.
    expect(mine(await new WallClockSlaChecks(database.db).progress(now)).first_response.percent).toBe(90);
    // Waiting pauses the clock: Friday 13:00 → 4 of 16 business hours, whatever the time now.
    const waiting = uuidv7();
    await tickets.create(admin.ctx, { id: waiting, subject: 'Badge printer', description: null, priority: 'critical' }, timing(new Date('2025-06-06T09:00:00Z')));
    await tickets.setStatus(admin.ctx, { id: waiting, status: 'in_progress', base_status: 'new' }, timing(new Date('2025-06-06T12:00:00Z')));
    await tickets.setStatus(admin.ctx, { id: waiting, status: 'waiting', base_status: 'in_progress', waiting_reason: 'customer' }, timing(new Date('2025-06-06T13:00:00Z')));
    const w = (await sla.progress(new Date('2025-06-11T09:00:00Z'))).filter((x) => x.ticketId === waiting);
    expect(w.find((x) => x.target === 'first_response')).toMatchObject({ percent: 25, breached: false });
    expect((await sla.updatePolicy(admin.ctx, pol.id, { active: false })).active).toBe(false);
  });

  it('preferences: email off → in-app only, no email_messages row; default → one queued email and its email.deliver job (left queued: no SMTP sender yet)', async () => {
    const quiet = await person(database, 'agent', 'Quinn Quiet');
    const loud = await person(database, 'agent', 'Lee Loud');
    const prefs = await notifications.setPreferences(quiet.ctx, { 'ticket.assigned': { inApp: true, email: false } });
    expect(prefs['ticket.assigned']).toEqual({ inApp: true, email: false });
    expect(prefs['sla.breached']).toEqual({ inApp: true, email: true });
    const a = uuidv7();
    const b = uuidv7();
    for (const id of [a, b]) await tickets.create(admin.ctx, { id, subject: `Laptop ${id.slice(-4)}`, description: null }, timing());
    await tickets.assign(admin.ctx, { id: a, set: { assignee_id: quiet.id }, base: { assignee_id: null } } as never, timing());
    await tickets.assign(admin.ctx, { id: b, set: { assignee_id: loud.id }, base: { assignee_id: null } } as never, timing());
    const inApp = await q(`select user_id from notifications where type = 'ticket.assigned' and ticket_id = any($1::uuid[]) order by user_id`, [[a, b]]);
    expect(inApp.map((r) => r.user_id).sort()).toEqual([quiet.id, loud.id].sort());
    expect(await q(`select id from email_messages where user_id = $1`, [quiet.id])).toEqual([]);
    const mail = await q(`select id, status, to_addresses, template, direction from email_messages where user_id = $1`, [loud.id]);
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ status: 'queued', to_addresses: [loud.email], template: 'ticket.assigned', direction: 'out' });
    // The deliver job ran and, with no sender configured, left the row queued for the email issue's transport.
    await waitFor('the email.deliver job', async () => {
      const r = await q(`select state from pgboss.job where name = 'email.deliver' and data->>'emailMessageId' = $1`, [mail[0].id]);
      return r[0]?.state === 'completed';
    });
    expect((await q(`select status from email_messages where id = $1`, [mail[0].id]))[0].status).toBe('queued');
    // Turning in-app off too leaves no trace at all.
    await notifications.setPreferences(quiet.ctx, { 'ticket.assigned': { inApp: false, email: false } });
    const c = uuidv7();
    await tickets.create(admin.ctx, { id: c, subject: 'Monitor', description: null }, timing());
    await tickets.assign(admin.ctx, { id: c, set: { assignee_id: quiet.id }, base: { assignee_id: null } } as never, timing());
    expect(await q(`select id from notifications where ticket_id = $1`, [c])).toEqual([]);
  });
});
