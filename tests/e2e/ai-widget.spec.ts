// The assistant widget in Chromium against the real server and the fake Groq on 127.0.0.1 (the
// admin points the base URL setting at it): an End User asks in the portal, sees the answer
// stream in with the tool activity and a link to the ticket the assistant created; without a
// key the widget offers KB search and a ticket form; offline the form queues through the outbox.
import { expect, request, test, type APIRequestContext, type Page } from '@playwright/test';
import { ADMIN, BASE_URL } from './env';
import { FakeGroq } from '../support/fake-groq';

const KEY = 'gsk_e2e_' + 'Qw3'.repeat(12);
const USER = { email: `ai-user-${Date.now()}@outpost.test`, password: 'an end user passphrase for ai', name: 'Ada Widget' };
let fake: FakeGroq;
let adminApi: APIRequestContext;

async function signIn(page: Page, email: string, password: string) {
	await page.goto('/login');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password', { exact: true }).fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(/\/portal/);
}

test.beforeAll(async () => {
	fake = await FakeGroq.start([KEY]);
	adminApi = await request.newContext({ baseURL: BASE_URL, extraHTTPHeaders: { origin: BASE_URL } });
	expect((await adminApi.post('/api/auth/login', { data: ADMIN })).status()).toBe(200);
	const u = await adminApi.post('/api/v1/admin/users', { data: { email: USER.email, name: USER.name, roles: ['end_user'], password: USER.password } });
	expect(u.status()).toBe(201);
	const cfg = await adminApi.patch('/api/v1/admin/ai', { data: { apiKey: KEY, baseUrl: fake.url } });
	expect(cfg.status()).toBe(200);
});

test.afterAll(async () => {
	await adminApi?.dispose();
	await fake?.stop();
});

test('an End User chats: streamed answer, tool activity and a link to the created ticket', async ({ page }) => {
	fake.push({ kind: 'tools', calls: [{ name: 'create_ticket', args: { subject: 'Monitor flickers on desk 12', description: 'Since this morning, the left monitor flickers.' } }] });
	fake.push({ kind: 'text', text: 'I raised a ticket for the **flickering monitor**; an agent will follow up.\n\n- Check the cable\n- <img src=x onerror="window.__pwned=1">', chunkSize: 3, delayMs: 15 });
	await signIn(page, USER.email, USER.password);
	await page.getByRole('button', { name: 'Open the assistant' }).click();
	const panel = page.getByRole('region', { name: 'Assistant' });
	await expect(panel.getByText('Ask about an IT problem')).toBeVisible();
	await panel.getByLabel('Your question').fill('My monitor flickers, please raise a ticket');
	await panel.getByLabel('Your question').press('Enter');
	await expect(panel.getByText('My monitor flickers, please raise a ticket')).toBeVisible();
	// The answer is rendered Markdown (bold, a list); raw HTML in it is shown as text, never run.
	const answer = panel.locator('.msg.assistant').last();
	await expect(answer).toContainText('I raised a ticket for the flickering monitor; an agent will follow up.');
	await expect(answer.locator('strong')).toHaveText('flickering monitor');
	await expect(answer.getByRole('listitem').first()).toHaveText('Check the cable');
	await expect(answer.getByRole('listitem').nth(1)).toContainText('<img src=x');
	expect(await answer.locator('img').count()).toBe(0);
	expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
	const link = panel.getByRole('link', { name: /^#\d+$/ });
	await expect(link).toBeVisible();
	await link.click();
	await expect(page).toHaveURL(/\/portal\/tickets\/[0-9a-f-]{36}$/);
	await expect(page.getByText('Monitor flickers on desk 12').first()).toBeVisible();
	// The fake saw the user's question and the tool result.
	const last = fake.completions().at(-1)!.body.messages as { role: string; content: string }[];
	expect(last.find((m) => m.role === 'tool')?.content).toMatch(/Created ticket #\d+/);
});

test('without a key: KB search and a ticket form; offline the form queues through the outbox', async ({ page, context }) => {
	expect((await adminApi.patch('/api/v1/admin/ai', { data: { apiKey: null } })).status()).toBe(200);
	try {
		await signIn(page, USER.email, USER.password);
		await page.getByRole('button', { name: 'Open the assistant' }).click();
		const panel = page.getByRole('region', { name: 'Assistant' });
		await expect(panel.getByText('The chat assistant is not available')).toBeVisible();
		await panel.getByLabel('Search help articles').fill('printer toner');
		await panel.getByRole('button', { name: 'Search' }).click();
		await expect(panel.getByText('No article matches')).toBeVisible();
		await panel.getByLabel('Subject').fill('Need a new toner cartridge');
		await panel.getByRole('button', { name: 'Send request' }).click();
		await expect(panel.getByText('Request sent.')).toBeVisible();

		await context.setOffline(true);
		await expect(panel.getByText('You are offline')).toBeVisible();
		await panel.getByLabel('Subject').fill('Written offline: badge reader broken');
		await panel.getByRole('button', { name: 'Send request' }).click();
		await expect(panel.getByText('Saved on this device')).toBeVisible();
		await context.setOffline(false);
		// Back online, the outbox delivers it.
		await expect
			.poll(async () => {
				// A kept-alive connection may have been closed by the server meanwhile: try again.
				const r = await adminApi.get('/api/v1/tickets?q=badge%20reader&limit=5').catch(() => null);
				return r ? ((await r.json()).items as { subject: string }[]).map((t) => t.subject) : [];
			}, { timeout: 30_000 })
			.toContain('Written offline: badge reader broken');
	} finally {
		await adminApi.patch('/api/v1/admin/ai', { data: { apiKey: KEY } });
	}
});
