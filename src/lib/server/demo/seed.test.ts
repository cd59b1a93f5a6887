// Demo data on an in-memory PGlite: loads once, stays internally consistent, and is reproducible.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { openDatabase, type Database } from '../db/connection';
import { migrate } from '../db/migrate';
import type { DB } from '../db/schema';
import type { ServiceDeskTables } from '../db/schema-service-desk';
import { verifyPassword } from '../auth/password';
import { loadDemoData } from './seed';
import { syncTicketSla, loadSlaConfig } from '../sla/service';

type Db = Kysely<DB & ServiceDeskTables>;

const NOW = new Date('2025-03-12T15:30:00Z');
const TABLES = [
  'teams', 'team_members', 'users', 'user_roles', 'ticket_categories', 'tickets', 'ticket_comments', 'ticket_history', 'sla_events', 'ticket_links',
  'kb_categories', 'kb_articles', 'kb_article_versions', 'assets', 'asset_relationships', 'change_requests', 'change_approvals', 'change_request_assets',
  'notifications', 'system_settings'
] as const;

async function fresh(): Promise<{ d: Database; db: Db; adminId: string }> {
  const d = await openDatabase({ pgliteDir: 'memory://' });
  await migrate(d.db);
  const adminId = uuidv7();
  await d.db.insertInto('users').values({ id: adminId, email: 'admin@outpost.local', name: 'Administrator', status: 'active' }).execute();
  const admin = await d.db.selectFrom('roles').select('id').where('key', '=', 'admin').executeTakeFirstOrThrow();
  await d.db.insertInto('user_roles').values({ user_id: adminId, role_id: admin.id }).execute();
  return { d, db: d.db as Db, adminId };
}

async function tableCounts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = Number((await sql<{ n: string }>`select count(*)::int as n from ${sql.table(t)}`.execute(db)).rows[0].n);
  return out;
}

const usersWithRole = async (db: Db, key: string) =>
  db.selectFrom('users as u').innerJoin('user_roles as ur', 'ur.user_id', 'u.id').innerJoin('roles as r', 'r.id', 'ur.role_id').select(['u.id', 'u.email', 'u.password_hash']).where('r.key', '=', key).execute();

describe('loadDemoData', () => {
  let d: Database;
  let db: Db;
  let adminId: string;
  let result: Awaited<ReturnType<typeof loadDemoData>>;
  let ms = 0;

  beforeAll(async () => {
    ({ d, db, adminId } = await fresh());
    const t = performance.now();
    result = await loadDemoData(db, { adminId, now: NOW });
    ms = performance.now() - t;
    console.info(`loadDemoData on PGlite: ${Math.round(ms)} ms`, result.counts);
  }, 120_000);
  afterAll(async () => {
    await d?.close();
  });

  it('loads a data set of the advertised size, quickly', async () => {
    expect(result.loaded).toBe(true);
    expect(result.agentPassword).toBe('outpost-demo');
    const c = result.counts;
    expect(c.teams).toBe(5);
    expect(c.tickets).toBeGreaterThanOrEqual(300);
    expect(c.tickets).toBeLessThanOrEqual(400);
    expect(c.kb_articles).toBeGreaterThanOrEqual(35);
    expect(c.kb_articles).toBeLessThanOrEqual(45);
    expect(c.kb_article_versions).toBeGreaterThanOrEqual(c.kb_articles);
    expect(c.assets).toBeGreaterThanOrEqual(100);
    expect(c.assets).toBeLessThanOrEqual(140);
    expect(c.asset_relationships).toBeGreaterThan(5);
    expect(c.change_requests).toBeGreaterThanOrEqual(8);
    expect(c.change_approvals).toBeGreaterThan(0);
    expect(c.ticket_comments).toBeGreaterThan(c.tickets);
    expect(c.ticket_history).toBeGreaterThan(c.tickets);
    expect(c.notifications).toBeGreaterThan(0);
    // The returned counts are what is in the database (nothing existed before in these tables).
    const actual = await tableCounts(db);
    for (const t of ['tickets', 'ticket_comments', 'kb_articles', 'assets', 'change_requests', 'notifications'] as const) expect(actual[t], t).toBe(c[t]);
    expect((await usersWithRole(db, 'agent')).length).toBeGreaterThanOrEqual(13);
    expect((await usersWithRole(db, 'agent')).length).toBeLessThanOrEqual(17);
    expect(await usersWithRole(db, 'it_manager')).toHaveLength(2);
    const endUsers = (await usersWithRole(db, 'end_user')).length;
    expect(endUsers).toBeGreaterThanOrEqual(50);
    expect(endUsers).toBeLessThanOrEqual(70);
    const requesters = await usersWithRole(db, 'requester');
    expect(requesters.length).toBeGreaterThanOrEqual(8);
    expect(requesters.length).toBeLessThanOrEqual(12);
    expect(requesters.every((r) => r.password_hash === null)).toBe(true);
    expect(ms).toBeLessThan(30_000);
  });

  it('does nothing the second time', async () => {
    const before = await tableCounts(db);
    const again = await loadDemoData(db, { adminId, now: NOW });
    expect(again).toEqual({ loaded: false, counts: {}, agentPassword: 'outpost-demo' });
    expect(await tableCounts(db)).toEqual(before);
    const marker = await db.selectFrom('system_settings').select(['value', 'is_public']).where('key', '=', 'demo.loadedAt').executeTakeFirstOrThrow();
    expect(marker.value).toBe(NOW.toISOString());
    expect(marker.is_public).toBe(false);
  });

  it('gives every agent and manager the demo password, hashed once', async () => {
    const staff = [...(await usersWithRole(db, 'agent')), ...(await usersWithRole(db, 'it_manager'))];
    expect(staff.every((s) => s.password_hash && s.email.endsWith('@demo.outpost.test'))).toBe(true);
    expect(new Set(staff.map((s) => s.password_hash)).size).toBe(1);
    expect(await verifyPassword(staff[0].password_hash!, 'outpost-demo')).toBe(true);
  });

  it('keeps tickets consistent with their status, conversation and SLA', async () => {
    const tickets = await db.selectFrom('tickets').selectAll().execute();
    for (const t of tickets) {
      if (t.status === 'resolved' || t.status === 'closed') expect(t.resolved_at, `#${t.number}`).not.toBeNull();
      if (t.status === 'closed') expect(t.closed_at, `#${t.number}`).not.toBeNull();
      if (t.status !== 'resolved' && t.status !== 'closed') expect(t.resolution_code).toBeNull();
      expect(t.created_at.getTime()).toBeGreaterThanOrEqual(NOW.getTime() - 90 * 86_400_000);
      for (const k of ['created_at', 'updated_at', 'first_response_at', 'resolved_at', 'closed_at', 'last_activity_at', 'satisfaction_at'] as const) {
        const v = t[k];
        if (v) expect(v.getTime(), `#${t.number} ${k}`).toBeLessThanOrEqual(NOW.getTime());
      }
      if (t.first_response_at) expect(t.first_response_at.getTime()).toBeGreaterThanOrEqual(t.created_at.getTime());
      if (t.resolved_at) expect(t.resolved_at.getTime()).toBeGreaterThanOrEqual(t.created_at.getTime());
      if (t.closed_at) expect(t.closed_at.getTime()).toBeGreaterThanOrEqual(t.resolved_at!.getTime());
      expect(t.sla_policy_id).not.toBeNull();
      expect(t.first_response_due_at!.getTime()).toBeGreaterThan(t.created_at.getTime());
      expect(t.resolution_due_at!.getTime()).toBeGreaterThanOrEqual(t.first_response_due_at!.getTime());
      if (t.status === 'waiting') expect(t.waiting_reason).not.toBeNull();
    }
    // Due dates come from the seeded policy's business calendar (Mon–Fri 09:00–17:00 UTC).
    const inBusinessHours = (d: Date) => d.getUTCDay() >= 1 && d.getUTCDay() <= 5 && d.getUTCHours() * 60 + d.getUTCMinutes() >= 9 * 60 && d.getUTCHours() * 60 + d.getUTCMinutes() <= 17 * 60;
    for (const t of tickets) {
      expect(inBusinessHours(t.first_response_due_at!), `#${t.number}`).toBe(true);
      expect(inBusinessHours(t.resolution_due_at!), `#${t.number}`).toBe(true);
    }
    const critical = tickets.find((t) => t.priority === 'critical' && inBusinessHours(t.created_at) && t.created_at.getUTCHours() < 16);
    if (critical) expect(critical.first_response_due_at!.getTime() - critical.created_at.getTime()).toBe(30 * 60_000);
    const statuses = new Set(tickets.map((t) => t.status));
    expect([...statuses].sort()).toEqual(['closed', 'in_progress', 'new', 'resolved', 'waiting']);
    for (const key of ['priority', 'source'] as const) expect(new Set(tickets.map((t) => t[key])).size).toBeGreaterThanOrEqual(4);
    const fresh = tickets.filter((t) => t.status === 'new');
    expect(fresh.filter((t) => t.assignee_id === null).length).toBeGreaterThan(fresh.length / 2);
    const open = tickets.filter((t) => t.status !== 'resolved' && t.status !== 'closed');
    expect(open.filter((t) => t.resolution_due_at! < NOW && t.resolution_breached_at).length).toBeGreaterThanOrEqual(2);
    const noResponseYet = tickets.filter((t) => t.first_response_at === null);
    expect(noResponseYet.every((t) => t.status === 'new')).toBe(true);
    // Sequence numbers follow creation order.
    const byNumber = [...tickets].sort((a, b) => Number(a.number) - Number(b.number));
    for (let i = 1; i < byNumber.length; i++) expect(byNumber[i].created_at.getTime()).toBeGreaterThanOrEqual(byNumber[i - 1].created_at.getTime());
  });

  it('records SLA clocks the engine replays to the same timeline and columns', async () => {
    const cfg = await loadSlaConfig(db);
    const tickets = await db.selectFrom('tickets').select(['id', 'number', 'first_response_due_at', 'resolution_due_at', 'resolution_breached_at', 'sla_paused']).execute();
    let paused = 0;
    for (const t of tickets) {
      const out = await db.transaction().execute((trx) => syncTicketSla(trx, t.id, { now: NOW }, cfg));
      expect(out.inserted.map((e) => `${e.kind}:${e.target}@${e.occurred_at.toISOString()}`), `#${t.number}`).toEqual([]);
      expect(out.superseded, `#${t.number}`).toBe(0);
      const after = await db.selectFrom('tickets').select(['first_response_due_at', 'resolution_due_at', 'resolution_breached_at', 'sla_paused']).where('id', '=', t.id).executeTakeFirstOrThrow();
      expect(after, `#${t.number}`).toEqual({ first_response_due_at: t.first_response_due_at, resolution_due_at: t.resolution_due_at, resolution_breached_at: t.resolution_breached_at, sla_paused: t.sla_paused });
      if (t.sla_paused) paused++;
    }
    expect(paused).toBeGreaterThan(0);
    const kinds = await db.selectFrom('sla_events').select('kind').distinct().execute();
    expect(kinds.map((k) => k.kind).sort()).toEqual(expect.arrayContaining(['breached', 'met', 'pause', 'resume', 'start']));
  }, 60_000);

  it('copies requester_id onto comments and history, and has status and assignee history', async () => {
    const mismatched = await sql<{ n: number }>`
      select count(*)::int as n from ticket_comments c join tickets t on t.id = c.ticket_id where c.requester_id <> t.requester_id`.execute(db);
    expect(mismatched.rows[0].n).toBe(0);
    const hist = await sql<{ n: number }>`
      select count(*)::int as n from ticket_history h join tickets t on t.id = h.ticket_id where h.requester_id <> t.requester_id`.execute(db);
    expect(hist.rows[0].n).toBe(0);
    const perTicket = await sql<{ max: number; min: number }>`
      select max(n)::int as max, min(n)::int as min from (select t.id, count(c.id) as n from tickets t left join ticket_comments c on c.ticket_id = t.id group by t.id) x`.execute(db);
    expect(perTicket.rows[0].min).toBe(0);
    expect(perTicket.rows[0].max).toBeLessThanOrEqual(6);
    const fields = await db.selectFrom('ticket_history').select('field').distinct().execute();
    expect(fields.map((f) => f.field)).toEqual(expect.arrayContaining(['status', 'assignee_id']));
    // The last status change of each ticket lands on its current status.
    const last = await sql<{ status: string; new_value: unknown }>`
      select distinct on (h.ticket_id) t.status, h.new_value from ticket_history h join tickets t on t.id = h.ticket_id
      where h.field = 'status' order by h.ticket_id, h.created_at desc, h.id desc`.execute(db);
    expect(last.rows.length).toBeGreaterThan(200);
    for (const r of last.rows) expect(r.new_value).toBe(r.status);
  });

  it('assigns tickets only to agents and managers, and only they write internal notes', async () => {
    const badAssignees = await sql<{ n: number }>`
      select count(*)::int as n from tickets t where t.assignee_id is not null and not exists (
        select 1 from user_roles ur join roles r on r.id = ur.role_id where ur.user_id = t.assignee_id and r.key in ('agent', 'it_manager'))`.execute(db);
    expect(badAssignees.rows[0].n).toBe(0);
    const badInternal = await sql<{ n: number }>`
      select count(*)::int as n from ticket_comments c where c.internal and (c.author_type <> 'agent' or not exists (
        select 1 from user_roles ur join roles r on r.id = ur.role_id where ur.user_id = c.author_id and r.key in ('agent', 'it_manager')))`.execute(db);
    expect(badInternal.rows[0].n).toBe(0);
    const kinds = await sql<{ internal: boolean; author_type: string; n: number }>`
      select internal, author_type, count(*)::int as n from ticket_comments group by 1, 2`.execute(db);
    const has = (internal: boolean, type: string) => kinds.rows.some((k) => k.internal === internal && k.author_type === type && k.n > 0);
    expect(has(false, 'agent') && has(false, 'requester') && has(true, 'agent')).toBe(true);
  });

  it('publishes knowledge with published_at, versions and categories', async () => {
    const articles = await db.selectFrom('kb_articles').selectAll().execute();
    for (const a of articles.filter((x) => x.status === 'published')) expect(a.published_at, a.slug).not.toBeNull();
    const statuses = articles.map((a) => `${a.status}/${a.audience}`);
    expect(statuses).toEqual(expect.arrayContaining(['published/public', 'published/internal', 'draft/public']));
    expect(articles.some((a) => a.status === 'review')).toBe(true);
    expect(articles.every((a) => a.category_id && a.body.includes('#'))).toBe(true);
    const versions = await db.selectFrom('kb_article_versions').select(['article_id', 'version']).execute();
    for (const a of articles) {
      const vs = versions.filter((v) => v.article_id === a.id).map((v) => v.version).sort((x, y) => x - y);
      expect(vs, a.slug).toEqual(Array.from({ length: a.version }, (_, i) => i + 1));
    }
  });

  it('fills the CMDB, the change workflow and unread notifications', async () => {
    const assets = await db.selectFrom('assets').select(['asset_tag', 'assigned_to_id', 'type']).execute();
    expect(assets.filter((a) => a.assigned_to_id).length).toBeGreaterThan(assets.length / 2);
    expect(new Set(assets.map((a) => a.type))).toEqual(new Set(['hardware', 'network', 'peripheral', 'license', 'other']));
    expect(assets.some((a) => /^LAP-\d{5}$/.test(a.asset_tag))).toBe(true);
    const changes = await db.selectFrom('change_requests').select(['id', 'status', 'required_approvals']).execute();
    expect(new Set(changes.map((c) => c.status)).size).toBeGreaterThanOrEqual(7);
    const approvals = await db.selectFrom('change_approvals').select(['change_request_id', 'decision']).execute();
    for (const c of changes.filter((x) => ['approved', 'scheduled', 'implementing', 'completed', 'failed'].includes(x.status))) {
      const mine = approvals.filter((a) => a.change_request_id === c.id);
      expect(mine.length).toBe(c.required_approvals);
      expect(mine.every((a) => a.decision === 'approved')).toBe(true);
    }
    const unread = await sql<{ user_id: string; n: number }>`
      select u.id as user_id, count(n.id) filter (where n.read_at is null)::int as n
      from users u join user_roles ur on ur.user_id = u.id join roles r on r.id = ur.role_id and r.key = 'agent'
      left join notifications n on n.user_id = u.id group by u.id`.execute(db);
    expect(unread.rows.length).toBeGreaterThan(10);
    for (const r of unread.rows) expect(r.n).toBeGreaterThanOrEqual(2);
  });

  it('produces the same data from the same seed and clock', async () => {
    const other = await fresh();
    try {
      const r = await loadDemoData(other.db, { adminId: other.adminId, now: NOW });
      expect(r.counts).toEqual(result.counts);
      const fingerprint = (x: Db) =>
        x.selectFrom('tickets').select(['number', 'subject', 'status', 'priority', 'created_at', 'resolved_at']).orderBy('number').execute();
      expect(await fingerprint(other.db)).toEqual(await fingerprint(db));
    } finally {
      await other.d.close();
    }
  }, 120_000);
});
