import { expect, request, test, type APIRequestContext, type Page } from '@playwright/test';
import { uuidv7 } from 'uuidv7';
import { ADMIN, BASE_URL } from './env';

// The agent desk against the built server: tickets made through the real mutation endpoint reach
// the agent's Dexie through sync, the queue lists them, changes made in the UI show at once (pending
// while offline), and the server ends up with exactly what the agent did.
test.describe.configure({ mode: 'serial', timeout: 180_000 });

// Confirmation of an applied change arrives through the live shape streams. The app runs at most
// 3 of its 10 long-polls at a time (src/lib/client/session.svelte.ts, LIVE_SLOTS), so a change to a
// table whose poll is queued can take up to ~60 s to stream back (then the txid sweep drops the
// overlay anyway). The pending marks are therefore given that long to go.
const CONFIRM_MS = 90_000;

const AGENT = { email: 'desk.agent@outpost.test', name: 'Dana Desk', password: 'e2e-Agent-passphrase-1' };
const RUN = Date.now().toString(36);
const SUBJECTS = [
	`Printer jams on floor 3 ${RUN}`,
	`VPN drops every hour ${RUN}`,
	`Laptop battery swelling ${RUN}`,
	`Shared mailbox access ${RUN}`,
	`Teams camera black ${RUN}`,
	`Monitor flickers ${RUN}`
];
const ids: Record<string, string> = {};
let api: APIRequestContext;
let token = '';

async function login(email: string, password: string) {
	const ctx = await request.newContext({ baseURL: BASE_URL });
	const res = await ctx.post('/api/auth/login', { data: { email, password } });
	expect(res.status(), await res.text()).toBe(200);
	const body = (await res.json()) as { accessToken: string };
	await ctx.dispose();
	return body.accessToken;
}

/** The tickets as the server has them: a full snapshot of the tickets shape, read with the admin's token. */
async function serverRows(shape: string): Promise<Map<string, Record<string, unknown>>> {
	const rows = new Map<string, Record<string, unknown>>();
	let url = `/api/sync/shape?shape=${shape}&offset=-1`;
	for (let i = 0; i < 50; i++) {
		const res = await api.get(url, { headers: { authorization: `Bearer ${token}` } });
		expect(res.status()).toBe(200);
		const msgs = (await res.json()) as Array<{ value?: Record<string, unknown>; headers: { operation?: string; control?: string } }>;
		let done = false;
		for (const m of msgs) {
			if (m.headers.control === 'up-to-date') done = true;
			if (m.value && m.headers.operation !== 'delete') rows.set(String(m.value.id), { ...(rows.get(String(m.value.id)) ?? {}), ...m.value });
		}
		if (done) break;
		url = `/api/sync/shape?shape=${shape}&offset=${res.headers()['electric-offset']}&handle=${res.headers()['electric-handle']}`;
	}
	return rows;
}
const serverTickets = () => serverRows('tickets');

async function signInAgent(page: Page, next = '/tickets') {
	await page.goto(`/login?next=${encodeURIComponent(next)}`);
	await page.getByLabel('Email').fill(AGENT.email);
	await page.getByLabel('Password', { exact: true }).fill(AGENT.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(new RegExp(`${next}$`));
}

const row = (page: Page, subject: string) => page.getByTestId('queue-list').locator('.qrow', { hasText: subject });

test.beforeAll(async () => {
	api = await request.newContext({ baseURL: BASE_URL });
	token = await login(ADMIN.email, ADMIN.password);
	const auth = { authorization: `Bearer ${token}` };
	const created = await api.post('/api/v1/admin/users', { headers: auth, data: { email: AGENT.email, name: AGENT.name, roles: ['agent'], password: AGENT.password } });
	expect([201, 200, 409]).toContain(created.status());
	const mutations = SUBJECTS.map((subject, i) => {
		ids[subject] = uuidv7();
		return { id: uuidv7(), name: 'ticket.create', args: { id: ids[subject], subject, description: `Raised by the desk e2e test (${i}).`, priority: i === 0 ? 'high' : 'medium' }, clientTime: new Date().toISOString() };
	});
	const res = await api.post('/api/sync/mutations', { headers: auth, data: { clientId: uuidv7(), mutations } });
	expect(res.status(), await res.text()).toBe(200);
	const out = (await res.json()) as { results: Array<{ status: string }> };
	expect(out.results.map((r) => r.status)).toEqual(SUBJECTS.map(() => 'applied'));
});

test.afterAll(async () => {
	await api.dispose();
});

test('queue, filter, detail: status and assignment are optimistic, pending offline, then on the server', async ({ page, context }) => {
	await signInAgent(page);
	await expect(page.getByRole('heading', { level: 1, name: 'All open' })).toBeVisible();
	for (const s of SUBJECTS) await expect(row(page, s)).toBeVisible({ timeout: 30_000 });
	// The nav offers the desk to staff.
	await expect(page.getByRole('link', { name: 'Tickets' }).first()).toBeVisible();

	// Text filter (debounced, in memory).
	await page.getByRole('searchbox', { name: 'Search tickets' }).fill(`printer jams ${RUN}`);
	await expect(page.getByTestId('queue-list').locator('.qrow')).toHaveCount(1);
	await expect(page.getByTestId('queue-count')).toHaveText('1 ticket');
	await row(page, SUBJECTS[0]).getByRole('link').click();
	await expect(page).toHaveURL(`/tickets/${ids[SUBJECTS[0]]}`);
	await expect(page.getByTestId('ticket-subject')).toHaveText(SUBJECTS[0]);

	// Offline: the change shows at once and is marked pending.
	await context.setOffline(true);
	const status = page.getByTestId('status-select');
	await status.selectOption('in_progress');
	const detail = page.locator('article.ticket');
	await expect(detail.locator('.badges')).toContainText('In progress');
	await expect(detail.locator('.control', { has: status }).locator('[data-pending]')).toBeVisible();
	const assignee = page.getByRole('combobox', { name: 'Assignee' });
	await assignee.click();
	await assignee.fill('Dana');
	await page.getByRole('option', { name: /Dana Desk/ }).click();
	await expect(assignee).toHaveValue(AGENT.name);
	await expect(detail.locator('.control', { has: assignee }).locator('[data-pending]')).toBeVisible();
	// The queue row (beside the detail on wide screens) shows it too, with its pending mark.
	await expect(row(page, SUBJECTS[0])).toContainText('In progress');
	await expect(row(page, SUBJECTS[0])).toContainText(AGENT.name);
	await expect(row(page, SUBJECTS[0]).locator('[data-pending]')).toBeVisible();

	// Online: the outbox drains, the confirmed rows stream back and the marks go.
	await context.setOffline(false);
	await expect(detail.locator('[data-pending]')).toHaveCount(0, { timeout: CONFIRM_MS });
	await expect(row(page, SUBJECTS[0]).locator('[data-pending]')).toHaveCount(0, { timeout: CONFIRM_MS });
	await expect(detail.locator('.badges')).toContainText('In progress');
	const onServer = (await serverTickets()).get(ids[SUBJECTS[0]]);
	expect(onServer?.status).toBe('in_progress');
	const agentId = await page.evaluate(() => (JSON.parse(localStorage.getItem('outpost.me') ?? '{}') as { id?: string }).id);
	expect(onServer?.assignee_id).toBe(agentId);
});

test('internal notes and public replies look different (label, icon, colour)', async ({ page }) => {
	await signInAgent(page, `/tickets/${ids[SUBJECTS[1]]}`);
	await expect(page.getByTestId('ticket-subject')).toHaveText(SUBJECTS[1]);

	await page.getByRole('radio', { name: 'Internal note' }).check();
	await page.getByLabel('Internal note for the team').fill('Checked the VPN concentrator logs: client times out.');
	await page.getByRole('button', { name: 'Add note' }).click();
	await page.getByRole('radio', { name: 'Public reply' }).check();
	await page.getByLabel('Reply to the requester').fill('We are looking at it. Could you tell us your client version?');
	await page.getByRole('button', { name: 'Send reply' }).click();

	const note = page.locator('[data-comment-kind="internal"]', { hasText: 'concentrator' });
	const reply = page.locator('[data-comment-kind="public"]', { hasText: 'client version' });
	await expect(note).toBeVisible();
	await expect(reply).toBeVisible();
	await expect(note.locator('.kind')).toHaveText('Internal note');
	await expect(reply.locator('.kind')).toHaveText('Public reply');
	await expect(note.locator('.kind svg')).toHaveCount(1);
	const bg = (l: typeof note) => l.evaluate((el) => getComputedStyle(el).backgroundColor);
	expect(await bg(note)).not.toBe(await bg(reply));
	// Both reach the server, each with its kind (and the marks go once confirmed).
	await expect
		.poll(async () => {
			const mine = [...(await serverRows('ticket_comments')).values()].filter((c) => c.ticket_id === ids[SUBJECTS[1]]);
			return mine.map((c) => `${c.internal}:${String(c.body).slice(0, 12)}`).sort();
		}, { timeout: 15_000 })
		.toEqual(['false:We are looki', 'true:Checked the ']);
	await expect(page.locator('.comment[data-pending]')).toHaveCount(0, { timeout: CONFIRM_MS });
});

test('keyboard: j/k move, Enter opens, r and a focus reply and assignee, ? shows the shortcuts', async ({ page }) => {
	await signInAgent(page);
	const list = page.getByTestId('queue-list');
	await expect(list.locator('.qrow').first()).toBeVisible({ timeout: 30_000 });
	await page.locator('#queue-title').click(); // focus off any field
	await page.keyboard.press('j');
	await expect(list.locator('.qrow.active')).toHaveCount(1);
	const first = await list.locator('.qrow.active').getAttribute('data-row-id');
	expect(first).toBe(await list.locator('.qrow').first().getAttribute('data-row-id'));
	await page.keyboard.press('j');
	const second = await list.locator('.qrow.active').getAttribute('data-row-id');
	expect(second).not.toBe(first);
	await page.keyboard.press('j');
	await page.keyboard.press('k');
	await expect(list.locator('.qrow.active')).toHaveAttribute('data-row-id', second!);
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(`/tickets/${second}`);
	// r: reply to the open ticket; a: its assignee
	await page.locator('#queue-title').click();
	await page.keyboard.press('r');
	await expect(page.locator('#reply-body')).toBeFocused();
	await page.locator('#queue-title').click();
	await page.keyboard.press('a');
	await expect(page.getByRole('combobox', { name: 'Assignee' })).toBeFocused();
	await page.keyboard.press('Escape');
	await page.locator('#queue-title').click();
	await page.keyboard.press('?');
	await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
	await page.keyboard.press('Escape');
	await page.keyboard.press('/');
	await expect(page.getByRole('searchbox', { name: 'Search tickets' })).toBeFocused();
});

test('bulk: three tickets move to In progress, one mutation each', async ({ page }) => {
	await signInAgent(page);
	const targets = SUBJECTS.slice(3, 6);
	await page.getByRole('searchbox', { name: 'Search tickets' }).fill(RUN);
	for (const s of targets) await expect(row(page, s)).toBeVisible({ timeout: 30_000 });
	for (const s of targets) await row(page, s).getByRole('checkbox').check();
	const bulk = page.getByRole('region', { name: 'Bulk actions' });
	await expect(bulk).toContainText('3 selected');
	await bulk.getByRole('combobox', { name: 'Set status…' }).selectOption('in_progress');
	await expect(page.getByText('3 tickets changed.')).toBeVisible();
	for (const s of targets) await expect(row(page, s)).toContainText('In progress');
	await expect(page.getByTestId('queue-list').locator('[data-pending]')).toHaveCount(0, { timeout: CONFIRM_MS });
	await expect
		.poll(async () => {
			const all = await serverTickets();
			return targets.map((s) => all.get(ids[s])?.status);
		}, { timeout: 15_000 })
		.toEqual(['in_progress', 'in_progress', 'in_progress']);
	// The other tickets were not touched.
	const all = await serverTickets();
	expect(all.get(ids[SUBJECTS[2]])?.status).toBe('new');
});

test('once the tickets are synced, the desk\'s default first screenful is saved before the desk is first opened', async ({ page }) => {
	// Signed in somewhere else: the desk has never been opened in this browser.
	await signInAgent(page, '/sync');
	await expect(page.locator('tr[data-shape="tickets"][data-phase="live"]')).toBeVisible({ timeout: 60_000 });
	const agentId = await page.evaluate(() => (JSON.parse(localStorage.getItem('outpost.me') ?? '{}') as { id?: string }).id);
	// The sync host warms it while idle: one `ticketScreens` record for the view "All open".
	const saved = async () =>
		page.evaluate(async (uid) => {
			const db = await new Promise<IDBDatabase>((res, rej) => {
				const r = indexedDB.open('outpost');
				r.onsuccess = () => res(r.result);
				r.onerror = () => rej(r.error);
			});
			const recs = await new Promise<Array<{ key: string; rows: Array<{ subject: string }> }>>((res, rej) => {
				const r = db.transaction('ticketScreens').objectStore('ticketScreens').getAll();
				r.onsuccess = () => res(r.result);
				r.onerror = () => rej(r.error);
			});
			db.close();
			return recs.filter((x) => x.key.startsWith(`desk:${JSON.stringify([uid, 'open'])}`.slice(0, -1))).map((x) => x.rows.map((row) => row.subject));
		}, agentId);
	await expect.poll(saved, { timeout: 30_000 }).toHaveLength(1);
	const [subjects] = await saved();
	for (const s of SUBJECTS) expect(subjects).toContain(s);
	// The desk's first visit paints from it.
	await page.goto('/tickets');
	for (const s of SUBJECTS) await expect(row(page, s)).toBeVisible({ timeout: 30_000 });
});
