import { expect, request, test, type APIRequestContext, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { uuidv7 } from 'uuidv7';
import { ADMIN, BASE_URL } from './env';

// Issue 4 acceptance, against the built server in Debian Chromium: installability, the technician
// working offline (status, note, photo; reload offline; exactly once on the server; an agent sees it
// live), a conflict with an agent who closed the ticket, an End User's offline request reaching the
// desk, and a deep link opened cold offline.
test.describe.configure({ mode: 'serial', timeout: 90_000 });

const RUN = Date.now().toString(36);
const TECH = { email: `tech.${RUN}@outpost.test`, name: 'Toni Tech', password: 'e2e-Tech-passphrase-1' };
const AGENT = { email: `agent.${RUN}@outpost.test`, name: 'Alex Agent', password: 'e2e-Agent-passphrase-2' };
const USER = { email: `user.${RUN}@outpost.test`, name: 'Uma User', password: 'e2e-User-passphrase-3' };
type Person = typeof TECH;

let api: APIRequestContext;
let adminToken = '';
const userIds: Record<string, string> = {};

async function tokenFor(p: { email: string; password: string }): Promise<string> {
	// A fresh context: no session cookie from an earlier sign-in rides along.
	const ctx = await request.newContext({ baseURL: BASE_URL });
	const res = await ctx.post('/api/auth/login', { data: { email: p.email, password: p.password } });
	expect(res.status(), await res.text()).toBe(200);
	const token = ((await res.json()) as { accessToken: string }).accessToken;
	await ctx.dispose();
	return token;
}

async function mutate(token: string, name: string, args: Record<string, unknown>) {
	const res = await api.post('/api/sync/mutations', {
		headers: { authorization: `Bearer ${token}` },
		data: { clientId: uuidv7(), mutations: [{ id: uuidv7(), name, args, clientTime: new Date().toISOString() }] }
	});
	expect(res.status(), await res.text()).toBe(200);
	const out = (await res.json()) as { results: Array<{ status: string }> };
	expect(out.results[0].status, JSON.stringify(out)).toBe('applied');
}

/** A ticket assigned to the technician, moved through `statuses` (by the admin). */
async function ticketFor(subject: string, statuses: string[] = []): Promise<string> {
	const id = uuidv7();
	await mutate(adminToken, 'ticket.create', { id, subject, description: `Acceptance test ${RUN}.`, priority: 'high' });
	await mutate(adminToken, 'ticket.assign', { id, set: { assignee_id: userIds[TECH.email] }, base: { assignee_id: null } });
	let from = 'new';
	for (const s of statuses) {
		await mutate(adminToken, 'ticket.setStatus', { id, status: s, base_status: from });
		from = s;
	}
	return id;
}

async function serverTicket(id: string) {
	const res = await api.get(`/api/v1/tickets/${id}`, { headers: { authorization: `Bearer ${adminToken}` } });
	expect(res.status()).toBe(200);
	return (await res.json()) as {
		status: string;
		comments: Array<{ id: string; body: string; internal: boolean }>;
		history: Array<{ action: string; field: string | null; to_value?: unknown; to?: unknown; new_value?: unknown }>;
	};
}

const indicator = (page: Page) => page.locator('[data-sync-indicator]:visible');

async function signIn(page: Page, who: Person, next: string) {
	await page.goto(`/login?next=${encodeURIComponent(next)}`);
	await page.getByLabel('Email').fill(who.email);
	await page.getByLabel('Password', { exact: true }).fill(who.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(new RegExp(`${next.replace(/[?]/g, '\\?')}$`));
	await expect(indicator(page)).toHaveAttribute('data-leader', 'true', { timeout: 30_000 });
}

async function newSession(browser: Browser, who: Person, next: string, viewport = { width: 390, height: 844 }): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ viewport, baseURL: BASE_URL, serviceWorkers: 'allow' });
	const page = await context.newPage();
	await signIn(page, who, next);
	return { context, page };
}

/** Waits until the service worker controls this page (it claims clients once activated). */
async function controlled(page: Page) {
	await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
	await expect.poll(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller)), { timeout: 20_000 }).toBe(true);
}

const JPEG = (() => {
	const bytes = Buffer.alloc(50_000);
	bytes.set([0xff, 0xd8, 0xff, 0xe0]);
	for (let i = 4; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
	return bytes;
})();

test.beforeAll(async () => {
	api = await request.newContext({ baseURL: BASE_URL });
	adminToken = await tokenFor(ADMIN);
	for (const [p, roles] of [
		[TECH, ['agent']],
		[AGENT, ['agent']],
		[USER, ['end_user']]
	] as const) {
		const res = await api.post('/api/v1/admin/users', { headers: { authorization: `Bearer ${adminToken}` }, data: { email: p.email, name: p.name, roles, password: p.password } });
		expect(res.status(), await res.text()).toBe(201);
		userIds[p.email] = ((await res.json()) as { user: { id: string } }).user.id;
	}
});

test.afterAll(async () => {
	await api.dispose();
});

test('installable: a valid manifest, and the service worker controls the page after a reload', async ({ page }) => {
	const res = await page.request.get('/manifest.webmanifest');
	expect(res.status()).toBe(200);
	const m = (await res.json()) as { name: string; short_name: string; start_url: string; display: string; icons: Array<{ src: string; sizes: string; purpose?: string }> };
	expect(m.name).toBeTruthy();
	expect(m.start_url).toBe('/');
	expect(['standalone', 'fullscreen', 'minimal-ui']).toContain(m.display);
	expect(m.icons.some((i) => i.sizes === '192x192')).toBe(true);
	expect(m.icons.some((i) => i.sizes === '512x512')).toBe(true);
	const maskable = m.icons.find((i) => i.purpose?.split(' ').includes('maskable'));
	expect(maskable).toBeTruthy();
	for (const icon of m.icons) expect((await page.request.get(icon.src)).headers()['content-type']).toContain('image/png');
	// The page links it.
	await page.goto('/login');
	expect(await page.locator('link[rel="manifest"]').getAttribute('href')).toContain('manifest.webmanifest');
	await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
	await page.reload();
	await controlled(page);
});

test('the portal installs as its own app: its pages link a valid manifest of their own, and the service worker controls them', async ({ browser }) => {
	const res = await api.get('/portal.webmanifest');
	expect(res.status()).toBe(200);
	expect(res.headers()['content-type']).toMatch(/manifest\+json|json/);
	const m = (await res.json()) as { id: string; name: string; short_name: string; start_url: string; scope: string; display: string; icons: Array<{ src: string; sizes: string; purpose?: string }> };
	expect(m.name).toBe('Outpost Self-Service');
	expect(m.start_url).toBe('/portal');
	expect(m.scope).toBe('/portal');
	expect(m.id).toBe('/portal');
	expect(['standalone', 'fullscreen', 'minimal-ui']).toContain(m.display);
	expect(m.icons.some((i) => i.sizes === '192x192')).toBe(true);
	expect(m.icons.some((i) => i.sizes === '512x512')).toBe(true);
	expect(m.icons.find((i) => i.purpose?.split(' ').includes('maskable'))).toBeTruthy();
	for (const icon of m.icons) {
		const r = await api.get(icon.src);
		expect(r.headers()['content-type']).toContain('image/png');
		// PNG width and height (IHDR) match the declared size
		const png = await r.body();
		expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`).toBe(icon.sizes);
		expect(icon.src.startsWith('/icons/portal-')).toBe(true);
	}

	const { context, page } = await newSession(browser, USER, '/portal');
	await expect(page.getByRole('heading', { level: 1, name: 'My requests' })).toBeVisible();
	await controlled(page);
	await page.reload();
	await expect(page.getByRole('heading', { level: 1, name: 'My requests' })).toBeVisible();
	await controlled(page);
	// What the browser itself takes as this page's manifest (what it would install), with no parse errors.
	const cdp = await context.newCDPSession(page);
	const seen = async () => (await cdp.send('Page.getAppManifest')) as { url: string; errors: Array<{ message: string; critical: number }>; data?: string };
	await expect.poll(async () => (await seen()).url).toBe(`${BASE_URL}/portal.webmanifest`);
	const portal = await seen();
	expect(portal.errors).toEqual([]);
	expect(JSON.parse(portal.data ?? '{}').scope).toBe('/portal');
	// Deeper portal pages too; the rest of the app keeps the main app's manifest.
	await page.getByRole('link', { name: 'New request' }).first().click();
	await expect(page).toHaveURL(/\/portal\/new$/);
	expect((await seen()).url).toBe(`${BASE_URL}/portal.webmanifest`);
	await page.goto('/kb');
	await expect.poll(async () => (await seen()).url).toBe(`${BASE_URL}/manifest.webmanifest`);
	await context.close();
});

test('technician offline: status, work note and photo are pending across a reload, then reach the server once and an agent sees them live', async ({ browser }) => {
	const subject = `Boiler room sensor offline ${RUN}`;
	const id = await ticketFor(subject);
	const tech = await newSession(browser, TECH, '/tech');
	const { page, context } = tech;
	await controlled(page);
	const job = page.getByTestId('tech-job').filter({ hasText: subject });
	await expect(job).toBeVisible({ timeout: 30_000 });
	// Touch targets.
	const box = await job.boundingBox();
	expect(box!.height).toBeGreaterThanOrEqual(44);
	await job.click();
	await expect(page).toHaveURL(`/tech/${id}`);
	await expect(page.getByTestId('ticket-subject')).toHaveText(subject);

	// The agent watches the same ticket on the desk (another browser context, wide screen).
	const agent = await newSession(browser, AGENT, `/tickets/${id}`, { width: 1440, height: 900 });
	await expect(agent.page.getByTestId('ticket-subject')).toHaveText(subject, { timeout: 30_000 });

	await context.setOffline(true);
	await expect(indicator(page)).toHaveAttribute('data-online', 'false');
	const start = page.getByRole('button', { name: 'Start work' });
	expect((await start.boundingBox())!.height).toBeGreaterThanOrEqual(44);
	await start.click();
	await expect(page.getByTestId('tech-status')).toHaveText('In progress');
	await page.getByRole('textbox', { name: /Work note/ }).fill('Replaced the sensor cable; reading normal again.');
	await page.locator('input[type=file][capture]').setInputFiles({ name: 'IMG_2001.JPG', mimeType: 'image/jpeg', buffer: JPEG });
	await expect(page.getByRole('list', { name: 'Attachments' })).toContainText('IMG_2001.JPG');
	await page.getByRole('button', { name: 'Add work note' }).click();
	const note = page.getByTestId('tech-comments').locator('li', { hasText: 'Replaced the sensor cable' });
	await expect(note).toHaveAttribute('data-pending', 'true');
	await expect(indicator(page)).toHaveAttribute('data-outbox', '2');

	// Reload while still offline: the shell comes from the service worker, the data from Dexie.
	await page.reload();
	await expect(page.getByTestId('ticket-subject')).toHaveText(subject);
	await expect(page.getByTestId('tech-status')).toHaveText('In progress');
	await expect(page.locator('.badges [data-pending]')).toBeVisible();
	await expect(note).toHaveAttribute('data-pending', 'true');
	await expect(note.locator('[data-file-status="queued"]')).toContainText('IMG_2001.JPG');
	await expect(indicator(page)).toHaveAttribute('data-outbox', '2');
	// Nothing reached the server yet.
	expect((await serverTicket(id)).status).toBe('new');

	await context.setOffline(false);
	await expect(indicator(page)).toHaveAttribute('data-outbox', '0', { timeout: 30_000 });
	await expect(note.locator('[data-file-status="done"]')).toContainText('IMG_2001.JPG', { timeout: 30_000 });

	// The server has each change exactly once.
	const onServer = await serverTicket(id);
	expect(onServer.status).toBe('in_progress');
	expect(onServer.comments.filter((c) => c.body.includes('Replaced the sensor cable'))).toHaveLength(1);
	const noteRow = onServer.comments.find((c) => c.body.includes('Replaced the sensor cable'))!;
	expect(noteRow.internal).toBe(true);
	expect(onServer.history.filter((h) => h.field === 'status')).toHaveLength(1);
	const fileId = await page.evaluate(
		() =>
			new Promise<string>((resolve, reject) => {
				const open = indexedDB.open('outpost');
				open.onsuccess = () => {
					const req = open.result.transaction('uploads', 'readonly').objectStore('uploads').getAll();
					req.onsuccess = () => resolve((req.result as Array<{ id: string; name: string }>).find((u) => u.name === 'IMG_2001.JPG')!.id);
					req.onerror = () => reject(req.error);
				};
			})
	);
	const meta = await api.get(`/api/v1/files/${fileId}/meta`, { headers: { authorization: `Bearer ${adminToken}` } });
	expect(await meta.json()).toMatchObject({ ticketId: id, commentId: noteRow.id, name: 'IMG_2001.JPG', sizeBytes: JPEG.length });

	// The agent saw both without reloading.
	const desk = agent.page.locator('article.ticket');
	await expect(desk.locator('.badges')).toContainText('In progress', { timeout: 30_000 });
	await expect(desk.locator('li.comment[data-comment-kind="internal"]', { hasText: 'Replaced the sensor cable' })).toBeVisible({ timeout: 30_000 });
	await agent.context.close();
	await context.close();
});

test('conflict: the agent closes the ticket while the technician works offline; the inbox shows both and retry, copy and discard work', async ({ browser }) => {
	const subject = `Door badge reader dead ${RUN}`;
	const id = await ticketFor(subject, ['in_progress', 'waiting']);
	const { page, context } = await newSession(browser, TECH, `/tech/${id}`);
	await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
	await expect(page.getByTestId('tech-status')).toHaveText('Waiting', { timeout: 30_000 });
	await controlled(page);

	await context.setOffline(true);
	await expect(indicator(page)).toHaveAttribute('data-online', 'false');
	await page.getByRole('button', { name: 'Start work' }).click();
	await page.getByRole('textbox', { name: /Work note/ }).fill('Reader rebooted, waiting for the badge server.');
	await page.getByRole('button', { name: 'Add work note' }).click();
	await expect(indicator(page)).toHaveAttribute('data-outbox', '2');

	// Meanwhile the agent resolves and closes it.
	const agentToken = await tokenFor(AGENT);
	await mutate(agentToken, 'ticket.setStatus', { id, status: 'in_progress', base_status: 'waiting' });
	await mutate(agentToken, 'ticket.setStatus', { id, status: 'resolved', base_status: 'in_progress' });
	await mutate(agentToken, 'ticket.setStatus', { id, status: 'closed', base_status: 'resolved' });

	await context.setOffline(false);
	await expect(indicator(page)).toHaveAttribute('data-outbox', '0', { timeout: 30_000 });
	await page.goto('/sync');
	const items = page.locator('li.conflict');
	await expect(items).toHaveCount(2, { timeout: 30_000 });
	const statusConflict = items.filter({ hasText: /status/i }).filter({ has: page.locator('td.value', { hasText: 'in_progress' }) });
	// Yours vs theirs.
	await expect(statusConflict.locator('tbody tr').first().locator('td.value').nth(0)).toHaveText('in_progress');
	await expect(statusConflict.locator('tbody tr').first().locator('td.value').nth(1)).toHaveText('closed');
	const noteConflict = items.filter({ has: page.getByRole('button', { name: /Copy/ }) });
	await expect(noteConflict).toHaveCount(1);

	// Copy my text.
	await noteConflict.getByRole('button', { name: /Copy/ }).click();
	expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('Reader rebooted, waiting for the badge server.');
	// Retry with mine: the ticket reopens (the agent's close is the base now).
	await statusConflict.getByRole('button', { name: /Retry/ }).click();
	await expect(items).toHaveCount(1);
	await expect.poll(async () => (await serverTicket(id)).status, { timeout: 30_000 }).toBe('in_progress');
	// Discard the note: it is gone from the inbox and never reaches the server.
	await noteConflict.getByRole('button', { name: /Discard/ }).click();
	await expect(items).toHaveCount(0);
	await expect(indicator(page)).toHaveAttribute('data-outbox', '0', { timeout: 30_000 });
	expect((await serverTicket(id)).comments.filter((c) => c.body.includes('Reader rebooted'))).toHaveLength(0);
	await context.close();
});

test('an End User creates a request offline in the portal; it reaches the agents after reconnecting', async ({ browser }) => {
	const subject = `Cannot print payslips ${RUN}`;
	const user = await newSession(browser, USER, '/portal');
	await expect(user.page.getByRole('heading', { level: 1, name: 'My requests' })).toBeVisible();
	// End Users land on the portal from the home page.
	await user.page.goto('/');
	await expect(user.page).toHaveURL(/\/portal$/);
	await expect(indicator(user.page)).toHaveAttribute('data-leader', 'true', { timeout: 30_000 });
	const agent = await newSession(browser, AGENT, '/tickets', { width: 1440, height: 900 });

	// Offline navigation needs the route's code from the service worker's precache.
	await controlled(user.page);
	await user.context.setOffline(true);
	await expect(indicator(user.page)).toHaveAttribute('data-online', 'false');
	await user.page.getByRole('link', { name: 'New request' }).first().click();
	await user.page.getByLabel('What do you need help with?').fill(subject);
	await user.page.getByLabel('Details').fill('The payroll printer on floor 2 prints blank pages.');
	await user.page.getByRole('button', { name: 'Send request' }).click();
	await expect(user.page).toHaveURL(/\/portal\/tickets\//);
	await expect(user.page.getByTestId('ticket-subject')).toHaveText(subject);
	await expect(user.page.locator('.head [data-pending]')).toBeVisible();
	await user.page.getByRole('link', { name: 'My requests' }).first().click();
	await expect(user.page.getByTestId('portal-list').locator('li', { hasText: subject }).locator('[data-pending]')).toBeVisible();
	// Not on the desk yet.
	await expect(agent.page.getByTestId('queue-list').locator('.qrow', { hasText: subject })).toHaveCount(0);

	await user.context.setOffline(false);
	await expect(indicator(user.page)).toHaveAttribute('data-outbox', '0', { timeout: 30_000 });
	await expect(agent.page.getByTestId('queue-list').locator('.qrow', { hasText: subject })).toBeVisible({ timeout: 30_000 });
	await user.context.close();
	await agent.context.close();
});

test('a deep link to a ticket opened cold while offline renders from local data', async ({ browser }) => {
	const subject = `Projector in room 4 flickers ${RUN}`;
	const id = await ticketFor(subject);
	const { page, context } = await newSession(browser, TECH, '/tech', { width: 1440, height: 900 });
	await controlled(page);
	await expect(page.getByTestId('tech-job').filter({ hasText: subject })).toBeVisible({ timeout: 30_000 });
	await page.close();

	await context.setOffline(true);
	const cold = await context.newPage();
	await cold.goto(`/tickets/${id}`);
	await expect(cold.getByTestId('ticket-subject')).toHaveText(subject, { timeout: 15_000 });
	await expect(indicator(cold)).toHaveAttribute('data-online', 'false');
	const phone = await context.newPage();
	await phone.goto(`/tech/${id}`);
	await expect(phone.getByTestId('ticket-subject')).toHaveText(subject, { timeout: 15_000 });
	await context.close();
});
