// The knowledge base (issue 7 parts 1 and 4) against the real built server on each database:
// workflow and permissions (End Users never see drafts or internal articles; only kb.publish
// publishes), a version per save with diffs, one helpful vote per person, related articles,
// attachments readable like their article, bad input naming the field, kb.embed-article enqueued
// in the publishing transaction, and drafts from resolved tickets: idempotent per ticket, with
// a likely duplicate of a published article flagged.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, type RunningServer } from '../support/server';
import type { Backend } from '../support/backends';

const backends = inject('backends') as Backend[];
const PASSWORD = 'a long and unusual passphrase';
type Row = Record<string, any>;

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.each(backends)('knowledge base on %s', (backend) => {
  let srv: RunningServer;
  let admin: Client;
  let pool: pg.Pool | undefined;
  const u: Record<'agent' | 'manager' | 'alice' | 'bob', { id: string; client: Client }> = {} as never;
  const fieldsOf = (r: { json: Row }) => (r.json?.error?.fields ?? []).map((f: Row) => f.field).sort();
  /** pg-boss jobs of a name for an article/ticket (PostgreSQL only: PGlite belongs to the server process). */
  const jobs = async (name: string, key: string, value: string) => {
    if (!pool) return null;
    const r = await pool.query(`select state from pgboss.job where name = $1 and data->>$2 = $3`, [name, key, value]);
    return r.rows.map((x) => x.state as string);
  };
  const mutate = async (who: Client, name: string, args: unknown) => {
    const r = await who.post('/api/sync/mutations', { clientId: uuidv7(), mutations: [{ id: uuidv7(), name, args, clientTime: new Date().toISOString() }] });
    expect(r.status, r.text).toBe(200);
    expect(r.json.results[0].status, JSON.stringify(r.json.results[0])).toBe('applied');
    return r.json.results[0] as Row;
  };
  const create = async (who: Client, body: Row) => {
    const r = await who.post('/api/v1/kb/articles', body);
    expect(r.status, r.text).toBe(201);
    return r.json as Row;
  };
  const publish = async (id: string) => {
    const r = await admin.post(`/api/v1/kb/articles/${id}/publish`, {});
    expect(r.status, r.text).toBe(200);
    return r.json as Row;
  };

  beforeAll(async () => {
    srv = await startServer(backend, { OUTPOST_JOBS_POLL_SECONDS: '0.5' });
    if (srv.databaseUrl) pool = new pg.Pool({ connectionString: srv.databaseUrl, max: 2 });
    admin = new Client(srv.url);
    await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const roles = { agent: 'agent', manager: 'it_manager', alice: 'end_user', bob: 'end_user' } as const;
    for (const [key, role] of Object.entries(roles) as [keyof typeof roles, string][]) {
      const email = `${key}-${Math.random().toString(36).slice(2, 8)}@example.test`;
      const r = await admin.post('/api/v1/admin/users', { email, name: `${key} Tester`, roles: [role], password: PASSWORD });
      expect(r.status, r.text).toBe(201);
      const client = new Client(srv.url);
      await client.login(email, PASSWORD);
      u[key] = { id: r.json.user.id, client };
    }
  });
  afterAll(async () => {
    await pool?.end();
    await srv?.stop();
  });

  it('runs the workflow with permissions: end users see published public articles only; only publishers publish', async () => {
    const { agent, manager, alice } = u;
    const a = await create(agent.client, { title: 'Connect to the VPN from home', summary: 'Remote access in three steps', body: '# VPN\n\nOpen the client.\nClick connect.\n', tags: ['VPN', 'remote access'] });
    expect(a).toMatchObject({ slug: 'connect-to-the-vpn-from-home', status: 'draft', version: 1, tags: ['vpn', 'remote-access'], audience: 'public' });
    // The same title again gets the next free slug.
    const twin = await create(agent.client, { title: 'Connect to the VPN from home' });
    expect(twin.slug).toBe('connect-to-the-vpn-from-home-2');

    // A draft does not exist for an end user, by id, slug or in lists.
    expect((await alice.client.get(`/api/v1/kb/articles/${a.id}`)).status).toBe(404);
    expect((await alice.client.get(`/api/v1/kb/articles/${a.slug}`)).status).toBe(404);
    expect((await alice.client.get('/api/v1/kb/articles?q=vpn')).json.items).toEqual([]);
    expect((await alice.client.post('/api/v1/kb/articles', { title: 'Mine' })).status).toBe(403);

    // Agents submit; they may not publish; an IT manager may.
    const sub = await agent.client.post(`/api/v1/kb/articles/${a.id}/submit`, {});
    expect(sub.status, sub.text).toBe(200);
    expect(sub.json.status).toBe('review');
    const denied = await agent.client.post(`/api/v1/kb/articles/${a.id}/publish`, {});
    expect(denied.status).toBe(403);
    expect(denied.json.error.message).toMatch(/kb\.publish/);
    const bad = await manager.client.post(`/api/v1/kb/articles/${a.id}/archive`, {});
    expect(bad.status).toBe(409);
    const pub = await manager.client.post(`/api/v1/kb/articles/${a.id}/publish`, { note: 'Checked' });
    expect(pub.status, pub.text).toBe(200);
    expect(pub.json).toMatchObject({ status: 'published', reviewer_id: manager.id });
    expect(pub.json.published_at).toBeTruthy();

    // Published and public: end users read it, rendered, with no moves and no edit rights.
    const read = await alice.client.get(`/api/v1/kb/articles/${a.slug}`);
    expect(read.status, read.text).toBe(200);
    expect(read.json).toMatchObject({ id: a.id, status: 'published', allowed_moves: [], can_edit: false, my_vote: null });
    expect(read.json.html).toContain('<h1>VPN</h1>');
    expect((await alice.client.get('/api/v1/kb/articles?q=vpn')).json.items.map((x: Row) => x.id)).toEqual([a.id]);
    // Staff-only history stays hidden from end users.
    expect((await alice.client.get(`/api/v1/kb/articles/${a.id}/versions`)).status).toBe(403);

    // kb.embed-article was enqueued by the publishing transaction.
    const embeds = await jobs('kb.embed-article', 'articleId', a.id);
    if (embeds) expect(embeds.length).toBe(1);

    // Internal articles stay internal even when published.
    const internal = await create(agent.client, { title: 'Core switch console password rotation', audience: 'internal', body: 'Secret steps' });
    await publish(internal.id);
    expect((await alice.client.get(`/api/v1/kb/articles/${internal.id}`)).status).toBe(404);
    expect((await agent.client.get(`/api/v1/kb/articles/${internal.id}`)).status).toBe(200);

    // A published article's content needs kb.publish; a change to it is re-embedded.
    const edit = await agent.client.patch(`/api/v1/kb/articles/${a.id}`, { base_version: 1, body: 'changed' });
    expect(edit.status).toBe(403);
    const ok = await admin.patch(`/api/v1/kb/articles/${a.id}`, { base_version: 1, summary: 'Remote access in four steps', change_note: 'One more step' });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.version).toBe(2);
    const again = await jobs('kb.embed-article', 'articleId', a.id);
    if (again) expect(again.length).toBe(2);

    // Archive, then restore as a draft (agents may restore).
    expect((await manager.client.post(`/api/v1/kb/articles/${a.id}/archive`, {})).json.status).toBe('archived');
    expect((await alice.client.get(`/api/v1/kb/articles/${a.id}`)).status).toBe(404);
    expect((await agent.client.post(`/api/v1/kb/articles/${a.id}/draft`, {})).json.status).toBe('draft');
  });

  it('saves a version per change with its note, refuses stale saves and diffs versions', async () => {
    const { agent } = u;
    const a = await create(agent.client, { title: 'Map a network drive', body: 'Open Explorer.\nRight-click This PC.\n', change_note: 'First cut' });
    const v2 = await agent.client.patch(`/api/v1/kb/articles/${a.id}`, { base_version: 1, body: 'Open File Explorer.\nRight-click This PC.\nChoose Map network drive.\n', change_note: 'Clearer steps' });
    expect(v2.status, v2.text).toBe(200);
    expect(v2.json.version).toBe(2);
    // Nothing changed: no new version.
    expect((await agent.client.patch(`/api/v1/kb/articles/${a.id}`, { base_version: 2, body: 'Open File Explorer.\nRight-click This PC.\nChoose Map network drive.\n' })).json.version).toBe(2);
    const stale = await agent.client.patch(`/api/v1/kb/articles/${a.id}`, { base_version: 1, title: 'Lost update' });
    expect(stale.status).toBe(409);
    expect(fieldsOf(stale)).toEqual(['base_version']);
    const v3 = await agent.client.patch(`/api/v1/kb/articles/${a.id}`, { base_version: 2, title: 'Map a network drive in Windows 11', change_note: 'Title' });
    expect(v3.json.version).toBe(3);

    const versions = (await agent.client.get(`/api/v1/kb/articles/${a.id}/versions`)).json.items as Row[];
    expect(versions.map((v) => [v.version, v.change_note])).toEqual([
      [3, 'Title'],
      [2, 'Clearer steps'],
      [1, 'First cut']
    ]);
    expect(versions[2].author_name).toBe('agent Tester');
    expect((await agent.client.get(`/api/v1/kb/articles/${a.id}/versions/1`)).json.body).toBe('Open Explorer.\nRight-click This PC.\n');

    const diff = await agent.client.get(`/api/v1/kb/articles/${a.id}/diff?from=1`);
    expect(diff.status, diff.text).toBe(200);
    expect(diff.json).toMatchObject({ from: 1, to: 3, title: { from: 'Map a network drive', to: 'Map a network drive in Windows 11' }, stats: { added: 2, removed: 1 } });
    expect(diff.json.lines.map((l: Row) => `${l.op}:${l.text}`)).toEqual(['del:Open Explorer.', 'ins:Open File Explorer.', 'eq:Right-click This PC.', 'ins:Choose Map network drive.', 'eq:']);
    expect(diff.json.lines[1].words).toEqual([
      { op: 'eq', text: 'Open ' },
      { op: 'ins', text: 'File ' },
      { op: 'eq', text: 'Explorer.' }
    ]);
    expect((await agent.client.get(`/api/v1/kb/articles/${a.id}/diff?from=9`)).status).toBe(404);
  });

  it('answers bad input with 400 naming the field', async () => {
    const { agent } = u;
    const r = await agent.client.post('/api/v1/kb/articles', { title: '  ', audience: 'everyone', slug: 'Not A Slug', tags: ['x'.repeat(60)] });
    expect(r.status).toBe(400);
    expect(fieldsOf(r)).toEqual(['audience', 'slug', 'tags.0', 'title']);
    const extra = await agent.client.post('/api/v1/kb/articles', { title: 'ok', status: 'published' });
    expect(extra.status).toBe(400);
    expect(extra.json.error.message).toMatch(/status/);
    const a = await create(agent.client, { title: 'Printer setup' });
    expect(fieldsOf(await agent.client.patch(`/api/v1/kb/articles/${a.id}`, { title: 'x' }))).toEqual(['base_version']);
    expect(fieldsOf(await agent.client.patch(`/api/v1/kb/articles/${a.id}`, { base_version: 1, category_id: uuidv7() }))).toEqual(['category_id']);
    expect(fieldsOf(await agent.client.get('/api/v1/kb/articles/Not%20a%20slug'))).toEqual(['ref']);
    expect(fieldsOf(await agent.client.get('/api/v1/kb/articles?status=live'))).toEqual(['status']);
    expect(fieldsOf(await agent.client.get(`/api/v1/kb/articles/${a.id}/diff?from=zero`))).toEqual(['from']);
    expect(fieldsOf(await u.alice.client.request('PUT', `/api/v1/kb/articles/${a.id}/feedback`, { helpful: 'yes' }))).toEqual(['helpful']);
    const taken = await agent.client.post('/api/v1/kb/articles', { title: 'Other', slug: a.slug });
    expect(taken.status).toBe(409);
    expect(fieldsOf(taken)).toEqual(['slug']);
  });

  it('counts one helpful vote per person and article, and views', async () => {
    const { agent, alice, bob } = u;
    const a = await create(agent.client, { title: 'Reset your password', body: 'Use the self-service page.', tags: ['password', 'account'] });
    // Drafts take no feedback (and do not exist for end users).
    expect((await alice.client.request('PUT', `/api/v1/kb/articles/${a.id}/feedback`, { helpful: true })).status).toBe(404);
    await publish(a.id);
    const v1 = await alice.client.request('PUT', `/api/v1/kb/articles/${a.id}/feedback`, { helpful: true });
    expect(v1.status, v1.text).toBe(200);
    expect(v1.json).toEqual({ helpful_yes: 1, helpful_no: 0, my_vote: true });
    expect((await alice.client.request('PUT', `/api/v1/kb/articles/${a.id}/feedback`, { helpful: true })).json).toEqual({ helpful_yes: 1, helpful_no: 0, my_vote: true });
    expect((await alice.client.request('PUT', `/api/v1/kb/articles/${a.id}/feedback`, { helpful: false })).json).toEqual({ helpful_yes: 0, helpful_no: 1, my_vote: false });
    expect((await bob.client.request('PUT', `/api/v1/kb/articles/${a.id}/feedback`, { helpful: true })).json).toEqual({ helpful_yes: 1, helpful_no: 1, my_vote: true });
    expect((await alice.client.get(`/api/v1/kb/articles/${a.id}`)).json).toMatchObject({ helpful_yes: 1, helpful_no: 1, my_vote: false });
    if (pool) {
      const n = await pool.query('select count(*)::int as n from kb_article_feedback where article_id = $1', [a.id]);
      expect(n.rows[0].n).toBe(2);
    }
    for (let i = 0; i < 3; i++) expect((await alice.client.post(`/api/v1/kb/articles/${a.id}/views`)).status).toBe(204);
    await bob.client.post(`/api/v1/kb/articles/${a.id}/views`);
    expect((await alice.client.get(`/api/v1/kb/articles/${a.id}`)).json.view_count).toBe(2);
  });

  it('lists categories and tags, and finds related articles by tags, category and text', async () => {
    const { agent, alice } = u;
    const cat = await admin.post('/api/v1/kb/categories', { name: 'Email & Calendar' });
    expect(cat.status, cat.text).toBe(201);
    expect(cat.json.slug).toBe('email-and-calendar');
    expect((await agent.client.post('/api/v1/kb/categories', { name: 'Nope' })).status).toBe(403);
    const main = await create(agent.client, { title: 'Outlook shared mailbox not showing', body: 'Add the shared mailbox in account settings.', tags: ['outlook', 'mailbox'], category_id: cat.json.id });
    const byTag = await create(agent.client, { title: 'Set an out-of-office reply', body: 'Automatic replies.', tags: ['outlook'] });
    const byCat = await create(agent.client, { title: 'Share your calendar', body: 'Calendar permissions.', category_id: cat.json.id });
    const byText = await create(agent.client, { title: 'Shared mailbox permissions for managers', body: 'Request access to a mailbox.' });
    const unrelated = await create(agent.client, { title: 'Replace a laptop battery', body: 'Battery swap.', tags: ['hardware'] });
    const hidden = await create(agent.client, { title: 'Outlook mailbox migration runbook', tags: ['outlook'], audience: 'internal' });
    for (const x of [main, byTag, byCat, byText, unrelated, hidden]) await publish(x.id);
    const rel = await alice.client.get(`/api/v1/kb/articles/${main.id}/related?limit=10`);
    expect(rel.status, rel.text).toBe(200);
    const ids = rel.json.items.map((x: Row) => x.id);
    expect(ids).toEqual(expect.arrayContaining([byTag.id, byCat.id, byText.id]));
    expect(ids).not.toContain(unrelated.id);
    expect(ids).not.toContain(hidden.id);
    expect(rel.json.items.find((x: Row) => x.id === byText.id).reasons).toContain('text');
    expect(rel.json.items.find((x: Row) => x.id === byCat.id).reasons).toContain('category');

    const cats = (await alice.client.get('/api/v1/kb/categories')).json.items as Row[];
    expect(cats.find((c) => c.id === cat.json.id)).toMatchObject({ name: 'Email & Calendar', article_count: 2 });
    const tags = (await alice.client.get('/api/v1/kb/tags')).json.items as Row[];
    expect(tags.find((t) => t.tag === 'outlook')?.count).toBe(2); // the internal one is not counted for end users
    expect((await alice.client.get(`/api/v1/kb/articles?tag=outlook&category_id=${cat.json.id}`)).json.items.map((x: Row) => x.id)).toEqual([main.id]);
  });

  it('attaches files through the file service, readable like the article', async () => {
    const { agent, alice } = u;
    const a = await create(agent.client, { title: 'VPN client settings file' });
    const up = await agent.client.request('POST', '/api/v1/files', 'plain text settings\n', { 'content-type': 'application/octet-stream', 'x-filename': 'settings.txt' });
    expect(up.status, up.text).toBe(201);
    const att = await agent.client.post(`/api/v1/kb/articles/${a.id}/attachments`, { fileIds: [up.json.id] });
    expect(att.status, att.text).toBe(201);
    expect(att.json.items).toMatchObject([{ id: up.json.id, name: 'settings.txt', url: `/api/v1/files/${up.json.id}` }]);
    // Someone else's or an attached file cannot be attached again.
    const again = await agent.client.post(`/api/v1/kb/articles/${a.id}/attachments`, { fileIds: [up.json.id] });
    expect(again.status).toBe(400);
    expect(fieldsOf(again)).toEqual(['fileIds.0']);
    // End users read it once the article is published.
    expect((await alice.client.get(`/api/v1/files/${up.json.id}`)).status).toBe(404);
    await publish(a.id);
    const dl = await alice.client.get(`/api/v1/files/${up.json.id}`);
    expect(dl.status).toBe(200);
    expect(dl.text).toBe('plain text settings\n');
    expect((await alice.client.get(`/api/v1/kb/articles/${a.id}`)).json.attachments).toHaveLength(1);
  });

  it('drafts an article from a resolved ticket once, flagging a likely duplicate', async () => {
    const { agent, alice } = u;
    const existing = await create(agent.client, {
      title: 'Outlook keeps asking for your password',
      summary: 'Clear stale credentials',
      body: 'Outlook prompts for the password again and again after a password change. Remove the Outlook entries in Windows Credential Manager and restart Outlook.',
      tags: ['outlook']
    });
    await publish(existing.id);

    const t = await alice.client.post('/api/v1/tickets', { subject: 'Outlook keeps asking for my password', description: 'Since I changed my password Outlook asks for it every few minutes.' });
    expect(t.status, t.text).toBe(201);
    const ticketId = t.json.id as string;
    await mutate(agent.client, 'comment.add', { id: uuidv7(), ticket_id: ticketId, body: 'Root cause: a stale credential in Windows Credential Manager after the password change.', internal: true });
    await mutate(agent.client, 'comment.add', { id: uuidv7(), ticket_id: ticketId, body: 'Please remove the Outlook entries in Credential Manager, then restart Outlook.', internal: false });
    const resolve = async () => {
      expect((await agent.client.patch(`/api/v1/tickets/${ticketId}`, { status: 'in_progress' })).status).toBe(200);
      const r = await agent.client.patch(`/api/v1/tickets/${ticketId}`, { status: 'resolved', resolution_code: 'solved' });
      expect(r.status, r.text).toBe(200);
    };
    await resolve();
    const drafts = async () => ((await agent.client.get('/api/v1/kb/articles?status=draft&limit=200')).json.items as Row[]).filter((x) => x.source_ticket_id === ticketId);
    const [draft] = await waitFor('the draft from the ticket', async () => {
      const d = await drafts();
      return d.length ? d : null;
    });
    expect(draft).toMatchObject({ status: 'draft', audience: 'internal', ai_generated: false, source_ticket_id: ticketId, suspected_duplicate_id: existing.id });
    expect(draft.suspected_duplicate_score).toBeGreaterThan(0.4);
    const full = (await agent.client.get(`/api/v1/kb/articles/${draft.id}`)).json;
    expect(full.body).toMatch(/## Problem\n\nSince I changed my password/);
    expect(full.body).toMatch(/## Cause\n\nRoot cause: a stale credential/);
    expect(full.body).toMatch(/## Resolution\n\nPlease remove the Outlook entries/);
    // Never visible to end users.
    expect((await alice.client.get(`/api/v1/kb/articles/${draft.id}`)).status).toBe(404);

    // Reopened and resolved again: a second job runs, but the ticket keeps its one draft.
    await resolve();
    if (pool) {
      await waitFor('both draft jobs to finish', async () => {
        const states = (await jobs('kb.draft-from-ticket', 'ticketId', ticketId))!;
        return states.length === 2 && states.every((s) => s === 'completed');
      });
    } else {
      await new Promise((r) => setTimeout(r, 3000));
    }
    expect((await drafts()).map((x) => x.id)).toEqual([draft.id]);

    // A ticket about something else is drafted without a duplicate flag.
    const t2 = await alice.client.post('/api/v1/tickets', { subject: 'Badge reader at the side door is dead', description: 'The reader shows no light.' });
    await mutate(agent.client, 'comment.add', { id: uuidv7(), ticket_id: t2.json.id, body: 'Facilities replaced the reader power supply.', internal: false });
    expect((await agent.client.patch(`/api/v1/tickets/${t2.json.id}`, { status: 'in_progress' })).status).toBe(200);
    expect((await agent.client.patch(`/api/v1/tickets/${t2.json.id}`, { status: 'resolved', resolution_code: 'solved' })).status).toBe(200);
    const other = await waitFor('the second draft', async () => ((await agent.client.get('/api/v1/kb/articles?status=draft&limit=200')).json.items as Row[]).find((x) => x.source_ticket_id === t2.json.id));
    expect(other.suspected_duplicate_id).toBeNull();
  });

  it('documents the KB operations in OpenAPI', async () => {
    const doc = (await admin.get('/api/v1/openapi.json')).json;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/kb/articles', '/api/v1/kb/articles/{ref}', '/api/v1/kb/articles/{ref}/publish', '/api/v1/kb/articles/{ref}/diff', '/api/v1/kb/articles/{ref}/feedback', '/api/v1/kb/categories', '/api/v1/kb/tags']));
    expect(doc.paths['/api/v1/kb/articles/{ref}/publish'].post.operationId).toBe('publishKbArticle');
  });
});
