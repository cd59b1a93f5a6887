// Saves PNGs of the main screens at phone and desktop sizes, in both themes, into screenshots/.
// Needs a running server with the e2e admin (see playwright.config.ts), e.g.
//
//   PORT=4173 OUTPOST_DATA_DIR=$(mktemp -d) OUTPOST_ADMIN_EMAIL=admin@outpost.test \
//     OUTPOST_ADMIN_PASSWORD=e2e-Admin-passphrase-1 node server.js &
//   node tests/e2e/screenshots.mjs            # BASE_URL=… to point elsewhere
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';

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
