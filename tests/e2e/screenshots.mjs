// Saves PNGs of the main screens at phone and desktop sizes, in both themes, into screenshots/.
// Needs a running server with the e2e admin (see playwright.config.ts), e.g.
//
//   PORT=4173 OUTPOST_DATA_DIR=$(mktemp -d) OUTPOST_ADMIN_EMAIL=admin@outpost.test \
//     OUTPOST_ADMIN_PASSWORD=e2e-Admin-passphrase-1 node server.js &
//   node tests/e2e/screenshots.mjs            # BASE_URL=… to point elsewhere
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { uuidv7 } from 'uuidv7';

const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:4173';
const OUT = path.resolve(process.env.SCREENSHOT_DIR ?? 'screenshots');
const ADMIN = { email: process.env.ADMIN_EMAIL ?? 'admin@outpost.test', password: process.env.ADMIN_PASSWORD ?? 'e2e-Admin-passphrase-1' };
const VIEWPORTS = [
	{ name: 'phone', width: 390, height: 844, fullPage: true },
	{ name: 'desktop', width: 1440, height: 900, fullPage: false }
];
const THEMES = ['dark', 'light'];

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
});
fs.mkdirSync(OUT, { recursive: true });

/** @param {import('@playwright/test').Page} page */
async function signIn(page) {
	await page.goto('/login');
	await page.getByLabel('Email').fill(ADMIN.email);
	await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

/**
 * A few tickets for the desk, technician and portal screens (created once, by the admin, through
 * the mutations endpoint like any client): some assigned to the admin, one with a conversation.
 */
async function seedTickets() {
	const login = await fetch(`${BASE_URL}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
	const { accessToken, user } = await login.json();
	const auth = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
	const list = await (await fetch(`${BASE_URL}/api/v1/tickets?limit=1`, { headers: auth })).json().catch(() => ({}));
	if ((list.items ?? list.data ?? []).length) return;
	const clientId = uuidv7();
	const send = async (name, args) => {
		const r = await fetch(`${BASE_URL}/api/sync/mutations`, { method: 'POST', headers: auth, body: JSON.stringify({ clientId, mutations: [{ id: uuidv7(), name, args, clientTime: new Date().toISOString() }] }) });
		if (r.status !== 200) throw new Error(`${name}: ${r.status} ${await r.text()}`);
	};
	const tickets = [
		['VPN drops every few minutes on the 3rd floor', 'critical', true, 'in_progress'],
		['Printer on floor 2 prints blank pages', 'high', true, null],
		['New starter needs a laptop and accounts', 'medium', false, null],
		['Outlook asks for the password again and again', 'medium', true, 'waiting'],
		['Monitor flickers after docking', 'low', false, null],
		['Cannot open the payroll share', 'high', false, 'in_progress']
	];
	for (const [subject, priority, mine, status] of tickets) {
		const id = uuidv7();
		await send('ticket.create', { id, subject, description: `${subject}. Reported by phone.`, priority });
		if (mine) await send('ticket.assign', { id, set: { assignee_id: user.id }, base: { assignee_id: null } });
		if (status === 'waiting') {
			await send('ticket.setStatus', { id, status: 'in_progress', base_status: 'new' });
			await send('ticket.setStatus', { id, status: 'waiting', base_status: 'in_progress' });
		} else if (status) await send('ticket.setStatus', { id, status, base_status: 'new' });
		if (priority === 'critical') {
			await send('comment.add', { id: uuidv7(), ticket_id: id, body: 'Happens on every laptop on that floor since Monday.', internal: false });
			await send('comment.add', { id: uuidv7(), ticket_id: id, body: 'Looks like the access point in room 3.12; checking the controller logs.', internal: true });
		}
	}
}
await seedTickets();

const saved = [];
try {
	for (const vp of VIEWPORTS) {
		for (const theme of THEMES) {
			const context = await browser.newContext({ baseURL: BASE_URL, viewport: { width: vp.width, height: vp.height }, deviceScaleFactor: 1, serviceWorkers: 'block' });
			await context.addInitScript((t) => localStorage.setItem('outpost.theme', t), theme);
			const page = await context.newPage();
			const shot = async (/** @type {string} */ name, fullPage = vp.fullPage) => {
				await page.waitForLoadState('networkidle');
				await page.evaluate(() => document.fonts.ready);
				if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
				const file = path.join(OUT, `${name}-${vp.name}-${theme}.png`);
				await page.screenshot({ path: file, fullPage, animations: 'disabled' });
				saved.push(file);
			};

			await page.goto('/login');
			await page.getByRole('button', { name: 'Sign in' }).waitFor();
			await shot('login');
			// Client-side validation state.
			await page.getByRole('button', { name: 'Sign in' }).click();
			await shot('login-errors');

			await signIn(page);
			await page.getByRole('heading', { name: /Welcome/ }).waitFor();
			await shot('home');

			await page.goto('/admin/users');
			await page.getByRole('table').waitFor();
			await shot('users');
			await page.getByRole('button', { name: 'Add user' }).click();
			await page.getByRole('dialog').waitFor();
			await shot('users-add', false);
			await page.keyboard.press('Escape');
			await page.getByRole('button', { name: /^Edit / }).first().click();
			await page.getByRole('dialog', { name: 'Edit user' }).waitFor();
			await shot('users-edit', false);
			await page.keyboard.press('Escape');

			await page.goto('/admin/audit');
			await page.locator('.entry').first().waitFor();
			const toggle = page.getByRole('button', { name: /change/ }).first();
			if (await toggle.count()) await toggle.click();
			await shot('audit');

			await page.goto('/admin/settings');
			await page.getByRole('heading', { name: 'Organisation' }).waitFor();
			await shot('settings');

			// The main screens (local data: wait until the tickets shape is live first).
			await page.goto('/sync');
			await page.locator('tr[data-shape="tickets"][data-phase="live"]').waitFor({ timeout: 60_000 });
			await page.goto('/tickets');
			await page.locator('[data-testid="queue-list"] .qrow').first().waitFor();
			await shot('desk');
			await page.locator('[data-testid="queue-list"] .qrow', { hasText: 'VPN drops' }).locator('a.row-link').click();
			await page.getByTestId('ticket-subject').first().waitFor().catch(() => {});
			await shot('desk-ticket');
			await page.goto('/tech');
			await page.locator('[data-testid="tech-job"]').first().waitFor();
			await shot('tech');
			await page.locator('[data-testid="tech-job"]').first().click();
			await page.waitForURL(/\/tech\/.+/);
			await shot('tech-ticket');
			await page.goto('/portal');
			await page.locator('[data-testid="portal-list"] li').first().waitFor();
			await shot('portal');
			await page.goto('/portal/new');
			await page.getByLabel('What do you need help with?').fill('VPN keeps dropping');
			await shot('portal-new');
			for (const [route, name] of [
				['/kb', 'kb'],
				['/assets', 'assets'],
				['/sync', 'sync'],
				['/admin/sla', 'admin-sla'],
				['/admin/assignment', 'admin-assignment'],
				['/admin/escalation', 'admin-escalation'],
				['/admin/email', 'admin-email']
			]) {
				await page.goto(route);
				await page.getByRole('heading', { level: 1 }).first().waitFor();
				await page.waitForTimeout(300);
				await shot(name);
			}

			if (vp.name === 'phone') {
				await page.getByRole('button', { name: 'Open menu' }).click();
				await page.getByRole('dialog').waitFor();
				await shot('menu', false);
			}
			await context.close();
		}
	}
} finally {
	await browser.close();
}
console.log(saved.map((f) => path.relative(process.cwd(), f)).join('\n'));
