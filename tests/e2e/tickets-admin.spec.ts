import { expect, test, type Page } from '@playwright/test';
import { ADMIN, BASE_URL } from './env';

// Ticket admin screens and the public satisfaction survey in real Chromium.
async function signIn(page: Page) {
	await page.goto('/login');
	await page.getByLabel('Email').fill(ADMIN.email);
	await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

async function adminToken(): Promise<string> {
	const r = await fetch(`${BASE_URL}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
	return (await r.json()).accessToken;
}

test('an admin creates a canned response in the dialog; a server error names the field inline', async ({ page }) => {
	await signIn(page);
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Canned responses' }).click();
	await expect(page).toHaveURL(/\/admin\/canned-responses$/);
	const title = `Reboot first ${Date.now().toString(36)}`;

	await page.getByRole('button', { name: 'New canned response' }).click();
	const dialog = page.getByRole('dialog');
	await dialog.getByLabel('Title').fill(title);
	await dialog.getByLabel('Text').fill('Hi {{requester.name}}, please restart and tell us.');
	await dialog.getByLabel('Fields to set').fill('{"status": "done"}');
	await dialog.getByRole('button', { name: 'Save changes' }).click();
	await expect(dialog.getByRole('alert')).toContainText(/done|status|option/i);

	await dialog.getByLabel('Fields to set').fill('{"status": "waiting", "tags_add": ["reboot"]}');
	await dialog.getByRole('button', { name: 'Save changes' }).click();
	await expect(dialog).toBeHidden();
	await expect(page.getByRole('cell', { name: title })).toBeVisible();
});

test('the survey link from a resolved ticket takes one answer without signing in', async ({ page }) => {
	const token = await adminToken();
	const call = async (method: string, path: string, body?: unknown) => {
		const r = await fetch(BASE_URL + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
		return r.json();
	};
	const t = await call('POST', '/api/v1/tickets', { subject: 'Monitor flickers' });
	await call('PATCH', `/api/v1/tickets/${t.id}`, { status: 'in_progress' });
	await call('PATCH', `/api/v1/tickets/${t.id}`, { status: 'resolved' });
	const link = await call('POST', `/api/v1/tickets/${t.id}/survey-link`);

	await page.goto(`/survey/${link.token}`);
	await expect(page.getByRole('heading', { name: 'How did we do?' })).toBeVisible();
	await expect(page.getByText(`Ticket #${t.number}: Monitor flickers`)).toBeVisible();
	await page.getByRole('button', { name: 'Send feedback' }).click();
	await expect(page.getByRole('alert')).toContainText('Choose a rating');
	await page.getByTitle('Satisfied', { exact: true }).click();
	await expect(page.getByRole('radio', { name: 'Satisfied', exact: true })).toBeChecked();
	await page.getByLabel('Anything you want to add? (optional)').fill('Fixed in ten minutes');
	await page.getByRole('button', { name: 'Send feedback' }).click();
	await expect(page.getByText('Your feedback was recorded')).toBeVisible();

	expect((await call('GET', `/api/v1/tickets/${t.id}`)).satisfaction_rating).toBe(4);
	await page.reload();
	await expect(page.getByText('Your feedback was recorded')).toBeVisible();
});
