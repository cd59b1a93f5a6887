// The ticket REST API and lifecycle (issue 5 §1/§7/§8) against the real built server on each
// database: CRUD, scoping like the sync shapes, validation naming the field, workflow, impact ×
// urgency, custom fields, links, merge, time entries, macros (REST and mutations), the signed
// one-time expiring survey link, history rows, admin configuration and the OpenAPI document.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { uuidv7 } from 'uuidv7';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, type RunningServer } from '../support/server';
import type { Backend } from '../support/backends';

const backends = inject('backends') as Backend[];
const PASSWORD = 'a long and unusual passphrase';
type Row = Record<string, any>;

describe.each(backends)('tickets API on %s', (backend) => {
  let srv: RunningServer;
  let admin: Client;
  const u: Record<'agent' | 'alice' | 'bob', { id: string; client: Client; api: Client }> = {} as never;

  const mutate = async (who: Client, name: string, args: unknown, clientTime = new Date().toISOString()) => {
    const r = await who.post('/api/sync/mutations', { clientId: uuidv7(), mutations: [{ id: uuidv7(), name, args, clientTime }] });
    expect(r.status, r.text).toBe(200);
    return r.json.results[0] as Row;
  };
  const fieldsOf = (r: { json: Row }) => (r.json?.error?.fields ?? []).map((f: Row) => f.field);
  const create = async (who: Client, body: Row) => {
    const r = await who.post('/api/v1/tickets', body);
    expect(r.status, r.text).toBe(201);
    return r.json as Row;
  };
  const patch = async (who: Client, id: string, body: Row, status = 200) => {
    const r = await who.patch(`/api/v1/tickets/${id}`, body);
    expect(r.status, r.text).toBe(status);
    return r;
  };

  beforeAll(async () => {
    srv = await startServer(backend);
    admin = new Client(srv.url);
    await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const roles = { agent: 'agent', alice: 'end_user', bob: 'end_user' } as const;
    for (const [key, role] of Object.entries(roles) as [keyof typeof roles, string][]) {
      const email = `${key}-${Math.random().toString(36).slice(2, 8)}@example.test`;
      const r = await admin.post('/api/v1/admin/users', { email, name: `${key} Tester`, roles: [role], password: PASSWORD });
      expect(r.status, r.text).toBe(201);
      const client = new Client(srv.url);
      const login = await client.login(email, PASSWORD);
      u[key] = { id: r.json.user.id, client, api: new Client(srv.url, { bearer: login.json.accessToken, origin: null }) };
    }
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('creates, reads, lists and patches tickets, with a history row per change', async () => {
    const { agent, alice } = u;
    const t = await create(alice.api, { subject: 'Printer on 3rd floor jams', description: 'Every second page', priority: 'high' });
    expect(t).toMatchObject({ subject: 'Printer on 3rd floor jams', status: 'new', priority: 'high', requester_id: alice.id, source: 'api' });

    // impact × urgency → priority when none is given (default matrix: high × high = critical).
    const crit = await create(agent.client, { subject: 'Core switch down', impact: 'high', urgency: 'high', type: 'incident', tags: ['Network', 'network'] });
    expect(crit).toMatchObject({ priority: 'critical', impact: 'high', urgency: 'high', type: 'incident', tags: ['network'] });

    const p = await patch(agent.api, t.id, { status: 'in_progress', assignee_id: agent.id, tags: ['printer'], urgency: 'low' });
    expect(p.json).toMatchObject({ status: 'in_progress', assignee_id: agent.id, tags: ['printer'], urgency: 'low' });

    const d = await agent.client.get(`/api/v1/tickets/${t.id}`);
    expect(d.status, d.text).toBe(200);
    const h = d.json.history as Row[];
    expect(h.map((x) => `${x.action}:${x.field ?? ''}`)).toEqual(expect.arrayContaining(['created:', 'updated:tags', 'assigned:assignee_id', 'updated:urgency', 'status_changed:status']));
    expect(h.find((x) => x.field === 'status')).toMatchObject({ old_value: 'new', new_value: 'in_progress', actor_id: agent.id, source: 'api' });
    expect(h.find((x) => x.action === 'created')).toMatchObject({ actor_id: alice.id, source: 'api' });
    expect(h.every((x) => typeof x.device_time === 'string')).toBe(true);

    // The requester sees the public part of the history only.
    const mine = await alice.client.get(`/api/v1/tickets/${t.id}`);
    expect(mine.json.history.map((x: Row) => x.field)).not.toContain('assignee_id');
    expect(mine.json.time).toBeUndefined();
  });

  it('scopes like the sync shapes: an end user sees and patches only their own tickets', async () => {
    const { agent, alice, bob } = u;
    const a = await create(alice.client, { subject: 'Alice: VPN' });
    const b = await create(bob.client, { subject: 'Bob: mailbox full' });
    const listA = await alice.client.get('/api/v1/tickets?limit=200');
    expect(listA.status).toBe(200);
    expect(listA.json.items.every((x: Row) => x.requester_id === alice.id)).toBe(true);
    expect(listA.json.items.map((x: Row) => x.id)).toContain(a.id);
    expect(listA.json.items.map((x: Row) => x.id)).not.toContain(b.id);
    // Asking for someone else's tickets gives nothing of theirs.
    const sneaky = await alice.client.get(`/api/v1/tickets?requester_id=${bob.id}`);
    expect(sneaky.json.items).toEqual([]);
    expect((await alice.client.get(`/api/v1/tickets/${b.id}`)).status).toBe(404);
    const r = await alice.client.patch(`/api/v1/tickets/${b.id}`, { status: 'closed' });
    expect(r.status).toBe(404);
    // Own ticket, but a field only the service desk may change.
    const own = await alice.client.patch(`/api/v1/tickets/${a.id}`, { priority: 'critical' });
    expect(own.status).toBe(403);
    expect(fieldsOf(own)).toEqual(['priority']);
    const assign = await alice.client.post('/api/v1/tickets', { subject: 'x', assignee_id: agent.id });
    expect(assign.status).toBe(403);
    expect(fieldsOf(assign)).toEqual(['assignee_id']);
    // Staff see both.
    const all = await agent.client.get('/api/v1/tickets?limit=200');
    expect(all.json.items.map((x: Row) => x.id)).toEqual(expect.arrayContaining([a.id, b.id]));
  });

  it('answers bad input with 400 naming the field, and enforces the workflow', async () => {
    const { agent, alice } = u;
    const cases: [Row, string][] = [
      [{ subject: '' }, 'subject'],
      [{ subject: 'x', priority: 'urgent' }, 'priority'],
      [{ subject: 'x', impact: 'huge' }, 'impact'],
      [{ subject: 'x', type: 'no_such_type' }, 'type'],
      [{ subject: 'x', nonsense: 1 }, 'nonsense']
    ];
    for (const [body, field] of cases) {
      const r = await agent.client.post('/api/v1/tickets', body);
      expect(r.status, `${JSON.stringify(body)} → ${r.text}`).toBe(400);
      expect(r.json.error.message).toContain(field);
    }
    expect(fieldsOf(await agent.client.get('/api/v1/tickets?status=open'))).toEqual(['status.0']);
    expect(fieldsOf(await agent.client.get('/api/v1/tickets?cursor=garbage'))).toEqual(['cursor']);
    expect((await agent.client.get('/api/v1/tickets/not-a-uuid')).status).toBe(400);
    expect((await agent.client.get(`/api/v1/tickets/${uuidv7()}`)).status).toBe(404);
    const t = await create(alice.client, { subject: 'Workflow check' });
    const skip = await agent.client.patch(`/api/v1/tickets/${t.id}`, { status: 'closed' });
    expect(skip.status).toBe(400);
    expect(skip.json.error.fields).toEqual([{ field: 'status', message: 'A ticket cannot go from New to Closed' }]);
    // The workflow is a setting: allow new → resolved and it goes.
    const wf = await admin.get('/api/v1/admin/settings');
    const cur = wf.json.items.find((s: Row) => s.key === 'tickets.workflow').value;
    const bad = await admin.patch('/api/v1/admin/settings', { 'tickets.workflow': { ...cur, transitions: { ...cur.transitions, waiting: ['waiting'] } } });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)[0]).toMatch(/^tickets\.workflow\.transitions/);
    expect((await admin.patch('/api/v1/admin/settings', { 'tickets.workflow': { ...cur, transitions: { ...cur.transitions, new: ['in_progress', 'resolved'] } } })).status).toBe(200);
    await patch(agent.client, t.id, { status: 'resolved' });
    expect((await admin.patch('/api/v1/admin/settings', { 'tickets.workflow': cur })).status).toBe(200);
  });

  it('validates custom fields on the server, required per type', async () => {
    const { agent } = u;
    const types = await admin.get('/api/v1/admin/ticket-types');
    const incident = types.json.items.find((t: Row) => t.key === 'incident');
    const f = await admin.post('/api/v1/admin/custom-fields', { key: 'site', label: 'Site', type: 'select', options: [{ value: 'hq', label: 'HQ' }, { value: 'plant', label: 'Plant' }], required_for_type_ids: [incident.id] });
    expect(f.status, f.text).toBe(201);
    expect((await admin.post('/api/v1/admin/custom-fields', { key: 'cost', label: 'Cost', type: 'number', options: { min: 0 } })).status).toBe(201);
    expect((await agent.client.post('/api/v1/admin/custom-fields', { key: 'x', label: 'X', type: 'text' })).status).toBe(403);
    const dup = await admin.post('/api/v1/admin/custom-fields', { key: 'site', label: 'Again', type: 'text' });
    expect(dup.status).toBe(409);
    expect(fieldsOf(dup)).toEqual(['key']);

    const missing = await agent.client.post('/api/v1/tickets', { subject: 'Badge reader broken', type: 'incident' });
    expect(missing.status).toBe(400);
    expect(fieldsOf(missing)).toEqual(['custom_fields.site']);
    const wrong = await agent.client.post('/api/v1/tickets', { subject: 'Badge reader broken', type: 'incident', custom_fields: { site: 'moon', cost: -5, nope: 1 } });
    expect(fieldsOf(wrong).sort()).toEqual(['custom_fields.cost', 'custom_fields.nope', 'custom_fields.site']);
    const ok = await create(agent.client, { subject: 'Badge reader broken', type: 'incident', custom_fields: { site: 'hq', cost: '12' } });
    expect(ok.custom_fields).toEqual({ site: 'hq', cost: 12 });
    const clear = await agent.client.patch(`/api/v1/tickets/${ok.id}`, { custom_fields: { site: null } });
    expect(fieldsOf(clear)).toEqual(['custom_fields.site']);
    expect((await patch(agent.client, ok.id, { custom_fields: { site: 'plant', cost: null } })).json.custom_fields).toEqual({ site: 'plant' });
    // Changing the type re-checks the fields the new type requires: REST and the ticket.update mutation.
    const plain = await create(agent.client, { subject: 'Badge reader beeps' });
    const retype = await agent.client.patch(`/api/v1/tickets/${plain.id}`, { type: 'incident' });
    expect(retype.status).toBe(400);
    expect(fieldsOf(retype)).toEqual(['custom_fields.site']);
    const m = await mutate(agent.client, 'ticket.update', { id: plain.id, set: { type_id: incident.id }, base: { type_id: null } });
    expect(m.status, JSON.stringify(m)).toBe('rejected');
    expect(m.error.code).toBe('validation');
    expect(m.error.fields.map((x: Row) => x.field)).toEqual(['custom_fields.site']);
    expect((await agent.client.get(`/api/v1/tickets/${plain.id}`)).json.type_id).toBeNull();
    // With the field set in the same PATCH the change goes through.
    expect((await patch(agent.client, plain.id, { type: 'incident', custom_fields: { site: 'hq' } })).json).toMatchObject({ type: 'incident', custom_fields: { site: 'hq' } });
    // Deactivate it again so other tests' incidents need no site.
    expect((await admin.delete(`/api/v1/admin/custom-fields/${f.json.id}`)).status).toBe(204);
  });

  it('filters, sorts and pages with a cursor', async () => {
    const { agent, bob } = u;
    const tag = `batch${Math.random().toString(36).slice(2, 6)}`;
    const made: Row[] = [];
    for (const priority of ['low', 'medium', 'high', 'critical', 'high']) made.push(await create(agent.client, { subject: `Filter ${priority} disk quota`, priority, tags: [tag], requester_id: bob.id }));
    const high = await agent.client.get(`/api/v1/tickets?tag=${tag}&priority=high,critical&sort=-priority`);
    expect(high.json.items.map((x: Row) => x.priority)).toEqual(['critical', 'high', 'high']);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: { json: Row } = await agent.client.get(`/api/v1/tickets?tag=${tag}&limit=2&sort=number${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...r.json.items.map((x: Row) => x.id));
      cursor = r.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual(made.map((m) => m.id));
    const text = await agent.client.get(`/api/v1/tickets?tag=${tag}&q=quota&requester_id=${bob.id}&status=new&assignee_id=none`);
    expect(text.json.items).toHaveLength(5);
  });

  it('links, merges (conversation and links move, the source closes as merged) with history on both', async () => {
    const { agent, alice } = u;
    const src = await create(alice.client, { subject: 'Outlook crashes' });
    const dst = await create(alice.client, { subject: 'Outlook crashes on start' });
    const other = await create(agent.client, { subject: 'Office update rollout' });
    const c = uuidv7();
    expect((await mutate(alice.client, 'comment.add', { id: c, ticket_id: src.id, body: 'It started after the update' })).status).toBe('applied');
    const l = await agent.client.post(`/api/v1/tickets/${src.id}/links`, { target_id: other.id, kind: 'relates' });
    expect(l.status, l.text).toBe(200);
    expect(l.json.changed).toBe(true);
    expect((await agent.client.post(`/api/v1/tickets/${src.id}/links`, { target_id: src.id, kind: 'blocks' })).status).toBe(400);
    expect((await mutate(agent.client, 'ticket.link', { id: other.id, target_id: dst.id, kind: 'blocks' })).status).toBe('applied');
    expect((await alice.client.post(`/api/v1/tickets/${src.id}/merge`, { target_id: dst.id })).status).toBe(403);

    const m = await agent.client.post(`/api/v1/tickets/${src.id}/merge`, { target_id: dst.id });
    expect(m.status, m.text).toBe(200);
    expect(m.json.moved).toMatchObject({ comments: 1, links: 1 });
    const s = (await agent.client.get(`/api/v1/tickets/${src.id}`)).json;
    expect(s).toMatchObject({ status: 'closed', merged_into_id: dst.id, resolution_code: 'duplicate', comments: [] });
    expect(s.history.filter((h: Row) => h.action === 'merged')).toHaveLength(1);
    const d = (await agent.client.get(`/api/v1/tickets/${dst.id}`)).json;
    expect(d.comments.map((x: Row) => x.id)).toEqual([c]);
    expect(d.links.map((x: Row) => `${x.kind}:${x.direction}:${x.ticket_id}`).sort()).toEqual(
      [`relates:outgoing:${other.id}`, `blocks:incoming:${other.id}`, `duplicates:incoming:${src.id}`].sort()
    );
    expect(d.history.find((h: Row) => h.action === 'merged')).toMatchObject({ field: 'merged_from', actor_id: agent.id });
    // A merged (closed) ticket cannot be merged again.
    const again = await agent.client.post(`/api/v1/tickets/${src.id}/merge`, { target_id: other.id });
    expect(again.status).toBe(409);
    expect(fieldsOf(again)).toEqual(['id']);
    // Unlink through the mutation endpoint.
    const un = await mutate(agent.client, 'ticket.unlink', { id: other.id, target_id: dst.id, kind: 'blocks' });
    expect(un.result).toMatchObject({ changed: true });
    // Merge through the mutation endpoint too.
    const third = await create(alice.client, { subject: 'Outlook again' });
    const mm = await mutate(agent.client, 'ticket.merge', { id: third.id, target_id: dst.id });
    expect(mm.status, JSON.stringify(mm.error)).toBe('applied');
    expect((await agent.client.get(`/api/v1/tickets/${third.id}`)).json.merged_into_id).toBe(dst.id);
  });

  it('parent/child refuses cycles; time entries total per ticket', async () => {
    const { agent } = u;
    const parent = await create(agent.client, { subject: 'Office move' });
    const child = await create(agent.client, { subject: 'Move printers', parent_id: parent.id });
    expect(child.parent_id).toBe(parent.id);
    const cyc = await agent.client.patch(`/api/v1/tickets/${parent.id}`, { parent_id: child.id });
    expect(cyc.status).toBe(400);
    expect(fieldsOf(cyc)).toEqual(['parent_id']);
    expect((await agent.client.get(`/api/v1/tickets/${parent.id}`)).json.children.map((c: Row) => c.id)).toEqual([child.id]);

    const e1 = await agent.client.post(`/api/v1/tickets/${child.id}/time-entries`, { minutes: 30, note: 'Survey of the floor' });
    expect(e1.status, e1.text).toBe(201);
    // Logged offline an hour ago: history keeps the device time and says it came through sync.
    const offlineAt = new Date(Date.now() - 3_600_000).toISOString();
    const e2 = await mutate(agent.client, 'time.add', { id: uuidv7(), ticket_id: child.id, minutes: 45 }, offlineAt);
    expect(e2.result.total_minutes).toBe(75);
    expect(fieldsOf(await agent.client.post(`/api/v1/tickets/${child.id}/time-entries`, { minutes: 0 }))).toEqual(['minutes']);
    const d = (await agent.client.get(`/api/v1/tickets/${child.id}`)).json;
    expect(d.time.total_minutes).toBe(75);
    expect(d.time.entries.map((e: Row) => e.agent_id)).toEqual([agent.id, agent.id]);
    const logged = d.history.filter((h: Row) => h.action === 'time_logged');
    expect(logged.map((h: Row) => h.source)).toEqual(['web', 'sync']); // cookie session, then the outbox
    expect(logged[1].device_time).toBe(offlineAt);
  });

  it('canned responses insert text and set fields (REST and mutation); admin only to edit', async () => {
    const { agent, alice } = u;
    const mk = await admin.post('/api/v1/admin/canned-responses', {
      title: `Waiting for logs ${Math.random().toString(36).slice(2, 6)}`,
      body: 'Hi {{requester.name}}, please send the logs for #{{ticket.number}}.',
      actions: { status: 'in_progress', priority: 'high', tags_add: ['needs-logs'] }
    });
    expect(mk.status, mk.text).toBe(201);
    expect((await agent.client.post('/api/v1/admin/canned-responses', { title: 'x' })).status).toBe(403);
    const bad = await admin.post('/api/v1/admin/canned-responses', { title: 'y', actions: { status: 'done' } });
    expect(fieldsOf(bad)).toEqual(['actions.status']);
    expect((await agent.client.get('/api/v1/admin/canned-responses')).json.items.map((x: Row) => x.id)).toContain(mk.json.id);
    expect((await alice.client.get('/api/v1/admin/canned-responses')).status).toBe(403);

    const t = await create(alice.client, { subject: 'App crashes' });
    const r = await agent.client.post(`/api/v1/tickets/${t.id}/macros`, { macro_id: mk.json.id });
    expect(r.status, r.text).toBe(200);
    expect(r.json.changed.sort()).toEqual(['priority', 'status', 'tags']);
    const d = (await agent.client.get(`/api/v1/tickets/${t.id}`)).json;
    expect(d).toMatchObject({ status: 'in_progress', priority: 'high', tags: ['needs-logs'] });
    expect(d.comments[0].body).toBe(`Hi alice Tester, please send the logs for #${t.number}.`);
    expect(d.history.map((h: Row) => h.action)).toContain('macro_applied');

    const t2 = await create(alice.client, { subject: 'App crashes too' });
    const mm = await mutate(agent.client, 'macro.apply', { ticket_id: t2.id, macro_id: mk.json.id, comment_id: uuidv7() });
    expect(mm.status, JSON.stringify(mm.error)).toBe('applied');
    expect((await agent.client.get(`/api/v1/tickets/${t2.id}`)).json.priority).toBe('high');
  });

  it('satisfaction survey: a signed link after resolution works once and expires', async () => {
    const { agent, alice } = u;
    const t = await create(alice.client, { subject: 'Password expired' });
    expect((await alice.client.post(`/api/v1/tickets/${t.id}/survey-link`)).status).toBe(409); // not resolved yet
    await patch(agent.client, t.id, { status: 'in_progress' });
    await patch(agent.client, t.id, { status: 'resolved', resolution_notes: 'Reset it' });
    const link = await alice.client.post(`/api/v1/tickets/${t.id}/survey-link`);
    expect(link.status, link.text).toBe(201);
    expect(link.json.url).toBe(`${srv.url}/survey/${link.json.token}`);
    const anon = new Client(srv.url);
    const info = await anon.get(`/api/v1/surveys/${link.json.token}`);
    expect(info.json).toMatchObject({ ticket_number: t.number, answered: false, expired: false });
    expect(fieldsOf(await anon.post(`/api/v1/surveys/${link.json.token}`, { rating: 6 }))).toEqual(['rating']);
    const forged = link.json.token.slice(0, -2) + (link.json.token.endsWith('AA') ? 'BB' : 'AA');
    expect((await anon.post(`/api/v1/surveys/${forged}`, { rating: 1 })).status).toBe(404);
    const ans = await anon.post(`/api/v1/surveys/${link.json.token}`, { rating: 5, comment: 'Quick, thanks' });
    expect(ans.status, ans.text).toBe(200);
    const twice = await anon.post(`/api/v1/surveys/${link.json.token}`, { rating: 1 });
    expect(twice.status).toBe(409);
    const d = (await agent.client.get(`/api/v1/tickets/${t.id}`)).json;
    expect(d.satisfaction_rating).toBe(5);
    expect(d.history.find((h: Row) => h.action === 'satisfaction')).toMatchObject({ actor_id: alice.id });
    // Expiry: a 1-second link is refused once it has run out.
    expect((await admin.patch('/api/v1/admin/settings', { 'tickets.survey': { enabled: true, ttlSeconds: 1 } })).status).toBe(200);
    const short = await alice.client.post(`/api/v1/tickets/${t.id}/survey-link`);
    await new Promise((r) => setTimeout(r, 2100));
    const late = await anon.post(`/api/v1/surveys/${short.json.token}`, { rating: 4 });
    expect(late.status).toBe(400);
    expect(late.json.error.fields).toEqual([{ field: 'token', message: 'has expired' }]);
    expect((await admin.patch('/api/v1/admin/settings', { 'tickets.survey': { enabled: true, ttlSeconds: 1209600 } })).status).toBe(200);
  });

  it('admin types and categories; the OpenAPI document lists the ticket paths', async () => {
    const { agent, alice } = u;
    const ty = await admin.post('/api/v1/admin/ticket-types', { key: `hw_${Math.random().toString(36).slice(2, 6)}`, name: 'Hardware', default_priority: 'high' });
    expect(ty.status, ty.text).toBe(201);
    const cat = await admin.post('/api/v1/admin/ticket-categories', { name: `Laptops ${Math.random().toString(36).slice(2, 6)}` });
    expect(cat.status, cat.text).toBe(201);
    expect(fieldsOf(await admin.post('/api/v1/admin/ticket-types', { key: 'Bad Key', name: 'x' }))).toEqual(['key']);
    expect((await agent.client.patch(`/api/v1/admin/ticket-types/${ty.json.id}`, { name: 'HW' })).status).toBe(403);
    expect((await admin.patch(`/api/v1/admin/ticket-types/${ty.json.id}`, { name: 'HW' })).json.name).toBe('HW');
    const t = await create(alice.client, { subject: 'Screen flickers', type: ty.json.key, category: cat.json.id });
    expect(t).toMatchObject({ priority: 'high', type: ty.json.key, category_id: cat.json.id });
    const byType = await agent.client.get(`/api/v1/tickets?type=${ty.json.key}&category=${cat.json.id}`);
    expect(byType.json.items.map((x: Row) => x.id)).toEqual([t.id]);

    const doc = (await new Client(srv.url).get('/api/v1/openapi.json')).json;
    for (const [p, methods] of Object.entries({
      '/api/v1/tickets': ['get', 'post'],
      '/api/v1/tickets/{id}': ['get', 'patch'],
      '/api/v1/tickets/{id}/merge': ['post'],
      '/api/v1/tickets/{id}/links': ['post', 'delete'],
      '/api/v1/surveys/{token}': ['get', 'post'],
      '/api/v1/admin/canned-responses': ['get', 'post'],
      '/api/v1/admin/custom-fields/{id}': ['patch', 'delete']
    })) {
      expect(Object.keys(doc.paths[p] ?? {}).sort(), p).toEqual(methods.sort());
    }
    const schema = doc.paths['/api/v1/tickets'].post.requestBody.content['application/json'].schema;
    const props = (schema.$ref ? schema.$defs[schema.$ref.split('/').pop()] : schema).properties;
    expect(props.priority.enum).toEqual(['low', 'medium', 'high', 'critical']);
    expect(Object.keys(props)).toEqual(expect.arrayContaining(['subject', 'description', 'priority']));
  });
});
