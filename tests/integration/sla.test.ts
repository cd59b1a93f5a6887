// The SLA engine against the real built server on each database: due dates at creation (24×7 and
// business-hours calendars), Waiting pauses and moves due out, a public agent reply meets first
// response, priority change → policy change, offline changes applied at their (clamped) device
// time with both times recorded, breaches recorded by the hook, the timeline endpoint and its
// permissions, admin API validation (400 naming the field), audit. On PostgreSQL also: the breach
// sweep run by two workers at once records every breach exactly once.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, type RunningServer } from '../support/server';
import type { Backend } from '../support/backends';
import { compileCalendar, addBusinessMinutes } from '../../src/lib/domain/sla/calendar';

const backends = inject('backends') as Backend[];
const PASSWORD = 'a long and unusual passphrase';
const MIN = 60_000;
const DAY = 86_400_000;
type Row = Record<string, any>;

const mut = (name: string, args: unknown, clientTime: Date | string = new Date()) => ({
  id: uuidv7(),
  name,
  args,
  clientTime: typeof clientTime === 'string' ? clientTime : clientTime.toISOString()
});
const iso = (ms: number) => new Date(ms).toISOString();
const fieldsOf = (r: { json: any }) => (r.json?.error?.fields ?? []).map((f: Row) => f.field);
const ALL_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]]));
const OFFICE_UTC = { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']], sat: [], sun: [] } as const;

describe.each(backends)('SLA engine on %s', (backend) => {
  let srv: RunningServer;
  let admin: Client;
  let pgc: pg.Client | undefined;
  const users: Record<'agent' | 'alice' | 'bob' | 'carol', { id: string; client: Client; clientId: string }> = {} as never;
  let roundTheClock: Row;
  let highPolicy: Row;

  const send = async (who: keyof typeof users, ...mutations: ReturnType<typeof mut>[]) => {
    const u = users[who];
    const r = await u.client.post('/api/sync/mutations', { clientId: u.clientId, mutations });
    expect(r.status, r.text).toBe(200);
    for (const x of r.json.results) expect(x.status, JSON.stringify(x.error)).toBe('applied');
    return r.json.results as Row[];
  };
  const sla = async (id: string, who: Client = users.agent.client) => {
    const r = await who.get(`/api/v1/tickets/${id}/sla`);
    expect(r.status, r.text).toBe(200);
    return r.json;
  };
  const events = (s: Row) => s.timeline.map((e: Row) => `${e.kind}${e.target ? `:${e.target}` : ''}`);

  beforeAll(async () => {
    srv = await startServer(backend);
    if (backend === 'postgres') {
      pgc = new pg.Client({ connectionString: srv.databaseUrl });
      await pgc.connect();
    }
    admin = new Client(srv.url);
    await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const roles = { agent: 'agent', alice: 'end_user', bob: 'end_user', carol: 'end_user' } as const;
    for (const [key, role] of Object.entries(roles) as [keyof typeof roles, string][]) {
      const email = `${key}-${Math.random().toString(36).slice(2, 8)}@example.test`;
      const r = await admin.post('/api/v1/admin/users', { email, name: `${key} tester`, roles: [role], password: PASSWORD });
      expect(r.status, r.text).toBe(201);
      const client = new Client(srv.url);
      await client.login(email, PASSWORD);
      users[key] = { id: r.json.user.id, client, clientId: uuidv7() };
    }
    // A round-the-clock calendar and a policy for high priority on it: due dates are plain arithmetic.
    const cal = await admin.post('/api/v1/admin/business-calendars', { name: 'Round the clock', timeZone: 'Europe/Berlin', weeklyHours: ALL_DAY });
    expect(cal.status, cal.text).toBe(201);
    roundTheClock = cal.json;
    const pol = await admin.post('/api/v1/admin/sla-policies', {
      name: 'High, 24×7',
      conditions: { priority: ['high'] },
      targets: { high: { firstResponseMinutes: 60, resolutionMinutes: 240 } },
      calendarId: roundTheClock.id,
      position: 1
    });
    expect(pol.status, pol.text).toBe(201);
    highPolicy = pol.json;
  });

  afterAll(async () => {
    await pgc?.end().catch(() => {});
    await srv?.stop();
  });

  it('starts the clocks at creation with due dates from the matching policy and calendar', async () => {
    const t0 = Date.now() - 20 * MIN;
    const id = uuidv7();
    await send('agent', mut('ticket.create', { id, subject: 'Printer on floor 3 is offline', priority: 'high' }, new Date(t0)));
    const s = await sla(id);
    expect(s.policy).toEqual({ id: highPolicy.id, name: 'High, 24×7' });
    expect(s.calendar).toMatchObject({ id: roundTheClock.id, timeZone: 'Europe/Berlin' });
    expect(s.clocks.first_response).toMatchObject({ state: 'running', targetMinutes: 60, dueAt: iso(t0 + 60 * MIN) });
    expect(s.clocks.resolution).toMatchObject({ state: 'running', targetMinutes: 240, dueAt: iso(t0 + 240 * MIN) });
    expect(s.timeline[0]).toMatchObject({ kind: 'start', at: iso(t0), recorded: true, deviceTime: iso(t0) });

    // A low-priority ticket falls to the seeded Default policy: Mon–Fri 09:00–17:00 UTC, 480 / 2400 minutes.
    const low = uuidv7();
    const at = new Date();
    await send('agent', mut('ticket.create', { id: low, subject: 'Request a second monitor', priority: 'low' }, at));
    const d = await sla(low);
    expect(d.policy.name).toBe('Default');
    const office = compileCalendar({ timeZone: 'UTC', weeklyHours: OFFICE_UTC as never, holidays: [] });
    expect(d.clocks.first_response.dueAt).toBe(addBusinessMinutes(office, at, 480).toISOString());
    expect(d.clocks.resolution.dueAt).toBe(addBusinessMinutes(office, at, 2400).toISOString());
    if (pgc) {
      const [row] = (await pgc.query(`select sla_policy_id::text, first_response_due_at, resolution_due_at, sla_paused from tickets where id = $1`, [low])).rows;
      expect(row.sla_policy_id).toBe(d.policy.id);
      expect(row.first_response_due_at.toISOString()).toBe(d.clocks.first_response.dueAt);
      expect(row.resolution_due_at.toISOString()).toBe(d.clocks.resolution.dueAt);
    }
  });

  it('stops the clocks of a ticket merged away (the merge closes it through the status path) and records the events', async () => {
    const src = uuidv7();
    const dst = uuidv7();
    const t0 = Date.now() - 10 * MIN;
    await send('agent', mut('ticket.create', { id: src, subject: 'VPN drops every hour', priority: 'high' }, new Date(t0)), mut('ticket.create', { id: dst, subject: 'VPN unstable', priority: 'high' }, new Date(t0)));
    const m = await users.agent.client.post(`/api/v1/tickets/${src}/merge`, { target_id: dst });
    expect(m.status, m.text).toBe(200);
    const s = await sla(src);
    expect(s.status).toBe('closed');
    expect(events(s)).toEqual(['start', 'met:first_response', 'met:resolution']);
    expect(s.timeline.every((e: Row) => e.recorded)).toBe(true);
    expect(s.clocks.first_response.state).toBe('met');
    expect(s.clocks.resolution.state).toBe('met');
    // The target keeps running.
    expect((await sla(dst)).clocks.resolution.state).toBe('running');
    if (pgc) {
      const { rows } = await pgc.query(`select kind, target from sla_events where ticket_id = $1 and superseded_at is null order by occurred_at, kind`, [src]);
      expect(rows.map((r) => `${r.kind}${r.target ? `:${r.target}` : ''}`).sort()).toEqual(['met:first_response', 'met:resolution', 'start']);
      const [h] = (await pgc.query(`select count(*)::int as n from ticket_history where ticket_id = $1 and field = 'status' and new_value = '"closed"'::jsonb`, [src])).rows;
      expect(h.n).toBe(1);
    }
  });

  it('decides the policy of a ticket created through the REST API on all its facts, tags included', async () => {
    // The REST create writes tags after the core create; the SLA decision must still see them.
    const pol = await admin.post('/api/v1/admin/sla-policies', {
      name: 'Tagged vip-desk',
      conditions: { tags: ['vip-desk'] },
      targets: { medium: { firstResponseMinutes: 15, resolutionMinutes: 120 } },
      calendarId: roundTheClock.id,
      position: 0
    });
    expect(pol.status, pol.text).toBe(201);
    const r = await users.agent.client.post('/api/v1/tickets', { subject: 'Board room projector', priority: 'medium', tags: ['vip-desk'] });
    expect(r.status, r.text).toBe(201);
    const s = await sla(r.json.id);
    expect(s.policy).toEqual({ id: pol.json.id, name: 'Tagged vip-desk' });
    expect(s.clocks.first_response).toMatchObject({ state: 'running', targetMinutes: 15 });
    // The recorded decision is this policy (not Default followed by an unrecorded change).
    expect(s.timeline[0]).toMatchObject({ kind: 'start', policyId: pol.json.id, recorded: true });
    expect(events(s)).not.toContain('policy_changed');
    if (pgc) {
      const [row] = (await pgc.query(`select sla_policy_id::text from tickets where id = $1`, [r.json.id])).rows;
      expect(row.sla_policy_id).toBe(pol.json.id);
    }
    expect((await admin.patch(`/api/v1/admin/sla-policies/${pol.json.id}`, { active: false })).status).toBe(200);
  });

  it('pauses in Waiting, moves due out by the pause, meets first response on a public agent reply, and changes policy with priority', async () => {
    const t0 = Date.now() - 30 * MIN;
    const id = uuidv7();
    const at = (m: number) => new Date(t0 + m * MIN);
    await send('agent', mut('ticket.create', { id, subject: 'VPN drops every hour', priority: 'high', requester_id: users.alice.id }, at(0)));
    await send('agent', mut('ticket.setStatus', { id, status: 'in_progress', base_status: 'new' }, at(2)), mut('ticket.setStatus', { id, status: 'waiting', base_status: 'in_progress', waiting_reason: 'customer' }, at(5)));
    const paused = await sla(id);
    expect(paused.paused).toBe(true);
    expect(paused.clocks.resolution).toMatchObject({ state: 'paused', elapsedMinutes: 5 });
    expect(events(paused)).toEqual(['start', 'pause']);
    if (pgc) {
      const [row] = (await pgc.query(`select sla_paused, sla_paused_at from tickets where id = $1`, [id])).rows;
      expect(row).toEqual({ sla_paused: true, sla_paused_at: at(5) });
    }

    await send('agent', mut('ticket.setStatus', { id, status: 'in_progress', base_status: 'waiting' }, at(15)));
    // An internal note does not count as a response; the public reply does.
    await send('agent', mut('comment.add', { id: uuidv7(), ticket_id: id, body: 'checking the gateway', internal: true }, at(15.5)));
    await send('agent', mut('comment.add', { id: uuidv7(), ticket_id: id, body: 'We are on it: the gateway drops idle tunnels.' }, at(16)));
    const s = await sla(id);
    expect(events(s)).toEqual(['start', 'pause', 'resume', 'met:first_response']);
    expect(s.clocks.first_response).toMatchObject({ state: 'met', elapsedMinutes: 6, stoppedAt: at(16).toISOString(), dueAt: at(70).toISOString() });
    expect(s.clocks.resolution).toMatchObject({ state: 'running', dueAt: at(250).toISOString() });
    expect(s.pausedMinutes).toBeGreaterThanOrEqual(10);
    expect(s.timeline.every((e: Row) => e.recorded)).toBe(true);

    // Raised to critical: the high policy no longer matches, Default applies from that moment.
    await send('agent', mut('ticket.update', { id, set: { priority: 'critical' }, base: { priority: 'high' } }, at(17)));
    const c = await sla(id);
    expect(events(c)).toEqual(['start', 'pause', 'resume', 'met:first_response', 'policy_changed']);
    const change = c.timeline[4];
    expect(change).toMatchObject({ at: at(17).toISOString(), recorded: true });
    expect(change.details.policy).toMatchObject({ priority: 'critical', targets: { first_response: 30, resolution: 240 } });
    expect(change.details.from).toMatchObject({ policyId: highPolicy.id, priority: 'high' });
    expect(c.policy.name).toBe('Default');
    expect(c.clocks.first_response.state).toBe('met');

    // Resolved: resolution met; a later replay (another GET) changes nothing.
    await send('agent', mut('ticket.setStatus', { id, status: 'resolved', base_status: 'in_progress' }, at(20)));
    const done = await sla(id);
    expect(done.clocks.resolution).toMatchObject({ state: 'met', stoppedAt: at(20).toISOString() });
    expect(await sla(id)).toEqual({ ...done, asOf: expect.any(String) });
  });

  it('applies offline changes at their clamped device time and records both times', async () => {
    // Created on a device whose clock says 30 days ago: clamped to now − 7 days.
    const id = uuidv7();
    const old = new Date(Date.now() - 30 * DAY);
    await send('agent', mut('ticket.create', { id, subject: 'Offline for a month', priority: 'high' }, old));
    const s = await sla(id);
    expect(s.timeline[0]).toMatchObject({ kind: 'start', deviceTime: old.toISOString() });
    expect(Math.abs(Date.parse(s.timeline[0].at) - (Date.now() - 7 * DAY))).toBeLessThan(60_000);
    // Its first-response target passed long ago: the hook recorded the breach at the due instant.
    const breach = s.timeline.find((e: Row) => e.kind === 'breached' && e.target === 'first_response');
    expect(breach).toMatchObject({ at: iso(Date.parse(s.timeline[0].at) + 60 * MIN), recorded: true });
    expect(s.clocks.first_response.state).toBe('breached');

    // A device clock two days ahead: the pause happens now, the device's time is kept beside it.
    const future = new Date(Date.now() + 2 * DAY);
    await send('agent', mut('ticket.setStatus', { id, status: 'in_progress', base_status: 'new' }));
    await send('agent', mut('ticket.setStatus', { id, status: 'waiting', base_status: 'in_progress' }, future));
    const p = (await sla(id)).timeline.find((e: Row) => e.kind === 'pause');
    expect(p.deviceTime).toBe(future.toISOString());
    expect(Math.abs(Date.parse(p.at) - Date.now())).toBeLessThan(60_000);
    if (pgc) {
      const rows = (await pgc.query(`select kind, occurred_at, device_time from sla_events where ticket_id = $1 and kind in ('start', 'pause') order by occurred_at`, [id])).rows;
      expect(rows.map((r) => [r.kind, r.device_time.toISOString()])).toEqual([
        ['start', old.toISOString()],
        ['pause', future.toISOString()]
      ]);
      expect(rows[1].occurred_at.getTime()).toBeLessThan(future.getTime() - DAY);
    }
  });

  it('shows the timeline to whoever may read the ticket, and to no one else', async () => {
    const id = uuidv7();
    await send('alice', mut('ticket.create', { id, subject: 'My password expired' }));
    expect((await users.alice.client.get(`/api/v1/tickets/${id}/sla`)).status).toBe(200);
    expect((await users.agent.client.get(`/api/v1/tickets/${id}/sla`)).status).toBe(200);
    const bob = await users.bob.client.get(`/api/v1/tickets/${id}/sla`);
    expect(bob.status).toBe(404);
    expect((await new Client(srv.url).get(`/api/v1/tickets/${id}/sla`)).status).toBe(401);
    expect((await users.agent.client.get(`/api/v1/tickets/${uuidv7()}/sla`)).status).toBe(404);
    const bad = await users.agent.client.get(`/api/v1/tickets/not-a-uuid/sla`);
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)).toEqual(['id']);
    const doc = await admin.get('/api/v1/openapi.json');
    expect(Object.keys(doc.json.paths)).toEqual(expect.arrayContaining(['/api/v1/tickets/{id}/sla', '/api/v1/admin/sla-policies', '/api/v1/admin/business-calendars/{id}']));
  });

  it('validates admin input with 400 naming the field, refuses agents, and audits every change', async () => {
    const bad = async (path: string, body: unknown, field: string) => {
      const r = await admin.post(path, body);
      expect(r.status, r.text).toBe(400);
      expect(fieldsOf(r), r.text).toContain(field);
    };
    await bad('/api/v1/admin/sla-policies', { name: 'x', targets: { high: { firstResponseMinutes: 0 } } }, 'targets.high.firstResponseMinutes');
    await bad('/api/v1/admin/sla-policies', { name: 'x', targets: { urgent: {} } }, 'targets');
    await bad('/api/v1/admin/sla-policies', { name: 'x', targets: {}, pauseStatuses: ['closed'] }, 'pauseStatuses.0');
    await bad('/api/v1/admin/sla-policies', { name: '', targets: {} }, 'name');
    await bad('/api/v1/admin/sla-policies', { name: 'x', targets: {}, calendarId: uuidv7() }, 'calendarId');
    await bad('/api/v1/admin/business-calendars', { name: 'Mars', timeZone: 'Mars/Olympus_Mons', weeklyHours: ALL_DAY }, 'timeZone');
    await bad('/api/v1/admin/business-calendars', { name: 'Late', timeZone: 'UTC', weeklyHours: { mon: [['18:00', '09:00']] } }, 'weeklyHours.mon.0');
    await bad('/api/v1/admin/business-calendars', { name: 'Hol', timeZone: 'UTC', weeklyHours: OFFICE_UTC, holidays: [{ date: '2025-13-01' }] }, 'holidays.0.date');

    expect((await users.agent.client.post('/api/v1/admin/sla-policies', { name: 'mine', targets: {} })).status).toBe(403);
    expect((await users.agent.client.get('/api/v1/admin/business-calendars')).status).toBe(403);

    const cal = await admin.post('/api/v1/admin/business-calendars', { name: 'Berlin office', timeZone: 'Europe/Berlin', weeklyHours: OFFICE_UTC, holidays: [{ date: '2025-12-25', name: 'Christmas' }] });
    expect(cal.status, cal.text).toBe(201);
    expect((await admin.post('/api/v1/admin/business-calendars', { name: 'berlin OFFICE', timeZone: 'UTC', weeklyHours: OFFICE_UTC })).status).toBe(409);
    const pol = await admin.post('/api/v1/admin/sla-policies', { name: 'Berlin', targets: { low: { firstResponseMinutes: 600 } }, calendarId: cal.json.id, position: 50 });
    expect(pol.status, pol.text).toBe(201);
    const patched = await admin.patch(`/api/v1/admin/sla-policies/${pol.json.id}`, { active: false, conditions: { teamIds: [uuidv7()] } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json).toMatchObject({ active: false, conditions: { teamIds: [expect.any(String)] } });
    // A calendar in use cannot go; once its policy is gone it can.
    const del = await admin.delete(`/api/v1/admin/business-calendars/${cal.json.id}`);
    expect(del.status).toBe(409);
    expect(fieldsOf(del)).toEqual(['id']);
    expect((await admin.delete(`/api/v1/admin/sla-policies/${pol.json.id}`)).status).toBe(204);
    expect((await admin.delete(`/api/v1/admin/business-calendars/${cal.json.id}`)).status).toBe(204);
    expect((await admin.get('/api/v1/admin/sla-policies')).json.items.map((p: Row) => p.name)).not.toContain('Berlin');

    const audit = await admin.get('/api/v1/admin/audit?entityType=sla_policy&limit=50');
    expect(audit.json.items.map((e: Row) => e.action)).toEqual(expect.arrayContaining(['sla_policy.create', 'sla_policy.update', 'sla_policy.delete']));
    const calAudit = await admin.get('/api/v1/admin/audit?entityType=business_calendar&limit=50');
    expect(calAudit.json.items.map((e: Row) => e.action)).toEqual(expect.arrayContaining(['business_calendar.create', 'business_calendar.delete']));
  });

  it.runIf(backend === 'postgres')('records each breach exactly once when two workers sweep at the same time', async () => {
    // Carol's tickets get 1-minute targets on the round-the-clock calendar; created 50 s ago (device time),
    // both targets fall due in ~10 s, after every change has been made.
    const pol = await admin.post('/api/v1/admin/sla-policies', {
      name: 'Carol, one minute',
      conditions: { requesterIds: [users.carol.id] },
      targets: Object.fromEntries(['low', 'medium', 'high', 'critical'].map((p) => [p, { firstResponseMinutes: 1, resolutionMinutes: 1 }])),
      calendarId: roundTheClock.id,
      position: 0
    });
    expect(pol.status, pol.text).toBe(201);
    const created = Date.now() - 50_000;
    const ids = Array.from({ length: 8 }, () => uuidv7());
    await send('carol', ...ids.map((id, i) => mut('ticket.create', { id, subject: `Sweep ${i}` }, new Date(created))));
    const due = (await sla(ids[0])).clocks.first_response.dueAt;
    expect(due).toBe(iso(created + MIN));
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(due) - Date.now()) + 1500));

    const { openDatabase } = await import('../../src/lib/server/db/connection');
    const { SlaService } = await import('../../src/lib/server/sla/service');
    const [w1, w2] = await Promise.all([openDatabase({ databaseUrl: srv.databaseUrl, poolMax: 2 }), openDatabase({ databaseUrl: srv.databaseUrl, poolMax: 2 })]);
    try {
      const now = new Date();
      const [a, b] = await Promise.all([new SlaService(w1.db).checkBreaches(now, { batchSize: 3 }), new SlaService(w2.db).checkBreaches(now, { batchSize: 3 })]);
      const mine = [...a.breached, ...b.breached].filter((x) => ids.includes(x.ticketId));
      expect(mine.map((x) => `${x.ticketId}:${x.target}`).sort()).toEqual(ids.flatMap((id) => [`${id}:first_response`, `${id}:resolution`]).sort());
      // Again: nothing new.
      const again = await Promise.all([new SlaService(w1.db).checkBreaches(new Date()), new SlaService(w2.db).checkBreaches(new Date())]);
      expect(again.flatMap((x) => x.breached).filter((x) => ids.includes(x.ticketId))).toEqual([]);
    } finally {
      await Promise.all([w1.close(), w2.close()]);
    }
    const rows = (await pgc!.query(`select ticket_id::text, target, count(*)::int as n from sla_events where ticket_id = any($1::uuid[]) and kind = 'breached' group by 1, 2`, [ids])).rows;
    expect(rows.length).toBe(16);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const tickets = (await pgc!.query(`select first_response_breached_at, resolution_breached_at from tickets where id = any($1::uuid[])`, [ids])).rows;
    for (const t of tickets) expect(t.first_response_breached_at.toISOString()).toBe(due);
    // The timeline shows them as recorded.
    const s = await sla(ids[0], users.carol.client);
    expect(s.timeline.filter((e: Row) => e.kind === 'breached').map((e: Row) => e.recorded)).toEqual([true, true]);
  });
});
