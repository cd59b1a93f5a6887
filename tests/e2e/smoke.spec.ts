import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, expect, test, type Page } from '@playwright/test';
import { ADMIN, BASE_URL, CHROMIUM_ARGS, CHROMIUM_PATH } from './env';

async function signIn(page: Page, email: string, password: string) {
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password', { exact: true }).fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
}

test('sign in, see home and users, sign out', async ({ page }) => {
	await page.goto('/');
	await expect(page).toHaveURL(/\/login/);
	await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

	await signIn(page, ADMIN.email, ADMIN.password);
	await expect(page).toHaveURL(`${BASE_URL}/`);
	await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Welcome, ${ADMIN.name}`);

	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
	await expect(page).toHaveURL(/\/admin\/users$/);
	await expect(page.getByRole('cell', { name: new RegExp(ADMIN.email) })).toBeVisible();

	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page).toHaveURL(/\/login$/);
	// The session is really gone: a protected page sends us back to sign in, remembering where.
	await page.goto('/admin/users');
	await expect(page).toHaveURL(/\/login\?next=%2Fadmin%2Fusers$/);
});

test('wrong password shows an inline error and keeps the email', async ({ page }) => {
	await page.goto('/login');
	await signIn(page, ADMIN.email, 'not-the-password');
	await expect(page.getByRole('alert')).toContainText('don’t match');
	await expect(page.getByLabel('Email')).toHaveValue(ADMIN.email);
});

test('an invited user sets a password with the one-time link; non-admins get a 403 state', async ({ page, browser }) => {
	const email = `invitee-${Date.now()}@outpost.test`;
	await page.goto('/login?next=%2Fadmin%2Fusers');
	await signIn(page, ADMIN.email, ADMIN.password);
	await expect(page).toHaveURL(/\/admin\/users$/);

	await page.getByRole('button', { name: 'Add user' }).click();
	const dialog = page.getByRole('dialog', { name: 'Add a user' });
	await dialog.getByLabel('Full name').fill('Robin Field');
	await dialog.getByLabel('Email', { exact: true }).fill(email);
	await dialog.getByRole('button', { name: 'Create and get link' }).click();
	const created = page.getByRole('dialog', { name: 'User created' });
	const link = await created.getByLabel('One-time sign-up link').inputValue();
	expect(link).toMatch(/\/reset-password\?token=/);
	await created.getByRole('button', { name: 'Done' }).click();
	await expect(page.getByRole('cell', { name: new RegExp(email) })).toBeVisible();

	const other = await browser.newContext();
	const invitee = await other.newPage();
	await invitee.goto(link);
	await invitee.getByLabel('New password', { exact: true }).fill('correct horse battery staple');
	await invitee.getByLabel('Repeat the new password', { exact: true }).fill('correct horse battery staple');
	await invitee.getByRole('button', { name: 'Set password' }).click();
	await expect(invitee.getByText('Your password is set')).toBeVisible();

	await invitee.getByRole('link', { name: 'Go to sign in' }).click();
	await signIn(invitee, email, 'correct horse battery staple');
	// An End User (the default role) lands in the self-service portal.
	await expect(invitee).toHaveURL(/\/portal$/);
	await expect(invitee.getByRole('heading', { level: 1 })).toHaveText('My requests');
	await expect(invitee.getByRole('link', { name: 'Users' })).toHaveCount(0);
	await invitee.goto('/admin/users');
	await expect(invitee.getByRole('heading', { name: 'This area is for administrators' })).toBeVisible();
	await other.close();
});

test('the web app manifest is served with icons', async ({ request }) => {
	const res = await request.get('/manifest.webmanifest');
	expect(res.ok()).toBe(true);
	const manifest = JSON.parse(await res.text());
	expect(manifest.name).toBe('Outpost Helpdesk');
	expect(manifest.start_url).toBe('/');
	expect(manifest.icons.length).toBeGreaterThanOrEqual(3);
	expect(manifest.icons.some((i: { purpose?: string }) => i.purpose === 'maskable')).toBe(true);
	for (const icon of manifest.icons as { src: string; sizes: string }[]) {
		const png = await request.get(icon.src);
		expect(png.ok(), icon.src).toBe(true);
		expect(png.headers()['content-type']).toContain('image/png');
		const body = await png.body();
		const [w, h] = icon.sizes.split('x').map(Number);
		expect(body.readUInt32BE(16), `${icon.src} width`).toBe(w);
		expect(body.readUInt32BE(20), `${icon.src} height`).toBe(h);
	}
});

test('the service worker takes control and the shell loads offline', async () => {
	// A persistent profile: service workers and installability checks don't run in incognito (E13).
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-profile-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM_PATH,
		args: CHROMIUM_ARGS,
		headless: true,
		baseURL: BASE_URL,
		serviceWorkers: 'allow'
	});
	try {
		const page = context.pages()[0] ?? (await context.newPage());
		await page.goto('/login');
		await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 30_000 });
		const scriptURL = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);
		expect(scriptURL).toBe(`${BASE_URL}/sw.js`);

		await context.setOffline(true);
		await page.goto('/reset-password?token=offline-check');
		await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
		await context.setOffline(false);
	} finally {
		await context.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
});
