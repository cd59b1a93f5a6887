import { expect, request, test, type APIRequestContext, type Page } from '@playwright/test';
import { ADMIN, BASE_URL } from './env';

// Knowledge base (issue 7): an agent writes an article in the editor (Markdown preview, a second
// version, the diff, submit for review); a publisher publishes it; an End User finds it in the
// portal, votes it helpful, and reads and searches it again offline after a reload.
test.describe.configure({ mode: 'serial', timeout: 120_000 });

const RUN = Date.now().toString(36);
const AGENT = { email: `kb.agent.${RUN}@outpost.test`, name: 'Kim Writer', password: 'e2e-Agent-passphrase-7' };
const USER = { email: `kb.user.${RUN}@outpost.test`, name: 'Uli Reader', password: 'e2e-User-passphrase-8' };
const TITLE = `Connect to the office VPN ${RUN}`;

let api: APIRequestContext;
let adminToken = '';
let articleId = '';
let slug = '';

async function signIn(page: Page, who: { email: string; password: string }, next: string) {
	await page.goto(`/login?next=${encodeURIComponent(next)}`);
	await page.getByLabel('Email').fill(who.email);
	await page.getByLabel('Password', { exact: true }).fill(who.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(new RegExp(`${next}$`));
	await expect(page.locator('[data-sync-indicator]:visible')).toHaveAttribute('data-leader', 'true', { timeout: 30_000 });
}

test.beforeAll(async () => {
	api = await request.newContext({ baseURL: BASE_URL });
	const login = await api.post('/api/auth/login', { data: ADMIN });
	adminToken = ((await login.json()) as { accessToken: string }).accessToken;
	for (const [p, roles] of [
		[AGENT, ['agent']],
		[USER, ['end_user']]
	] as const) {
		const res = await api.post('/api/v1/admin/users', { headers: { authorization: `Bearer ${adminToken}` }, data: { email: p.email, name: p.name, roles, password: p.password } });
		expect(res.status(), await res.text()).toBe(201);
	}
});
test.afterAll(async () => {
	await api.dispose();
});

test('an agent writes, previews, revises and submits an article', async ({ browser }) => {
	const context = await browser.newContext({ baseURL: BASE_URL });
	const page = await context.newPage();
	await signIn(page, AGENT, '/kb/manage/new');
	await page.getByLabel('Title').fill(TITLE);
	await page.getByLabel('Summary').fill('Remote access from home');
	await page.getByLabel('Tags (comma separated)').fill('vpn, remote access');
	await page.getByTestId('kb-body-input').fill('## Steps\n\n1. Open the client\n2. Click connect\n\n<script>alert(1)</script>');
	await page.getByTestId('kb-preview-tab').click();
	await expect(page.getByTestId('kb-preview').locator('h2')).toHaveText('Steps');
	await expect(page.getByTestId('kb-preview')).toContainText('<script>alert(1)</script>');
	await expect(page.getByTestId('kb-preview').locator('script')).toHaveCount(0);
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page).toHaveURL(/\/kb\/manage\/[0-9a-f-]{36}$/);
	articleId = page.url().split('/').at(-1)!;

	// A second version with a change note, then the diff against it.
	await page.getByRole('tab', { name: 'Write' }).click();
	await page.getByTestId('kb-body-input').fill('## Steps\n\n1. Open the Outpost VPN client\n2. Click connect\n3. Approve the sign-in on your phone');
	await page.getByLabel('Change note').fill('Phone approval step');
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByText('Saved as version 2')).toBeVisible();
	await expect(page.getByTestId('kb-versions').locator('li')).toHaveCount(2);
	await page.getByRole('button', { name: 'Compare with current' }).click();
	const diff = page.getByTestId('kb-diff');
	await expect(diff).toContainText('Changes from version 1 to 2');
	await expect(diff.locator('mark.ins').first()).toContainText('Outpost VPN');

	// Agents submit; they get no Publish button.
	await page.getByRole('button', { name: 'Submit for review' }).click();
	await expect(page.getByTestId('kb-moves').getByRole('button', { name: 'Back to draft' })).toBeVisible();
	await expect(page.getByTestId('kb-moves').getByRole('button', { name: 'Publish' })).toHaveCount(0);
	await context.close();

	const pub = await api.post(`/api/v1/kb/articles/${articleId}/publish`, { headers: { authorization: `Bearer ${adminToken}` }, data: {} });
	expect(pub.status(), await pub.text()).toBe(200);
	slug = ((await pub.json()) as { slug: string }).slug;
});

test('an End User finds it in the portal, votes, and reads and searches it offline', async ({ browser }) => {
	const context = await browser.newContext({ baseURL: BASE_URL, serviceWorkers: 'allow', viewport: { width: 390, height: 844 } });
	const page = await context.newPage();
	await signIn(page, USER, '/portal/kb');
	await page.getByTestId('kb-search').fill('vpn conn');
	await expect(page.getByTestId('kb-list').getByText(TITLE)).toBeVisible();
	await page.getByTestId('kb-list').getByText(TITLE).click();
	await expect(page).toHaveURL(new RegExp(`/portal/kb/${slug}$`));
	await expect(page.getByTestId('kb-body').locator('li')).toHaveCount(3);
	await page.getByTestId('kb-helpful').getByRole('button', { name: 'Yes' }).click();
	await expect(page.getByText('Thanks for your feedback.')).toBeVisible();
	const detail = await api.get(`/api/v1/kb/articles/${articleId}`, { headers: { authorization: `Bearer ${adminToken}` } });
	expect(((await detail.json()) as { helpful_yes: number }).helpful_yes).toBe(1);

	// Offline: the service worker serves the app, Dexie the article, the local index the search.
	await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
	await expect.poll(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller)), { timeout: 20_000 }).toBe(true);
	await context.setOffline(true);
	await page.reload();
	await expect(page.getByTestId('kb-body').locator('h2')).toHaveText('Steps');
	await expect(page.getByText('Feedback can be given when you are online.')).toBeVisible();
	await page.goto('/portal/kb');
	await page.getByTestId('kb-search').fill('phone approval');
	await expect(page.getByTestId('kb-list').getByText(TITLE)).toBeVisible();
	await context.setOffline(false);
	await context.close();
});
