import { expect, test, type Page } from '@playwright/test';
import { uuidv7 } from 'uuidv7';
import { ADMIN } from './env';

// Sync in a real browser: shapes reach live, one leader tab, an offline change waits in the
// outbox and drains when the connection is back. There is no ticket UI yet, so the change goes
// through the sync store itself, exposed as `window.__outpost` when a page is opened with `?debug`.
const SHAPES = ['tickets', 'ticket_comments', 'kb_articles', 'assets', 'change_requests', 'users', 'teams', 'sla_policies', 'settings', 'notifications'];

const indicator = (page: Page) => page.locator('[data-sync-indicator]:visible');

async function signIn(page: Page, next: string) {
	await page.goto(`/login?next=${encodeURIComponent(next)}`);
	await page.getByLabel('Email').fill(ADMIN.email);
	await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(new RegExp(`${next.replace(/[?]/g, '\\?')}$`));
}

/** Rows of a synced shape, read with the raw IndexedDB API (no app code involved). */
function idbCount(page: Page, table: string): Promise<number> {
	return page.evaluate(
		(name) =>
			new Promise<number>((resolve, reject) => {
				const open = indexedDB.open('outpost');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					// Tickets are stored packed (sync/client/packed.ts): count the `ids` index, one entry per row.
					const req = name === 'tickets' ? db.transaction('ticketPages', 'readonly').objectStore('ticketPages').index('ids').count() : db.transaction(name, 'readonly').objectStore(name).count();
					req.onsuccess = () => {
						resolve(req.result);
						db.close();
					};
					req.onerror = () => reject(req.error);
				};
			}),
		table
	);
}

test('every shape goes live, one tab leads, an offline change waits and then drains', async ({ page, context }) => {
	await signIn(page, '/sync?debug');
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sync status');

	for (const shape of SHAPES) {
		await expect(page.locator(`tr[data-shape="${shape}"]`), shape).toHaveAttribute('data-phase', 'live', { timeout: 30_000 });
	}
	await expect(indicator(page)).toHaveAttribute('data-leader', 'true');
	await expect(indicator(page)).toContainText('Up to date');
	await expect(page.getByRole('status', { name: 'Sync status' })).toContainText('Last synced');

	// A second tab of the same browser: it reads the same database but does not sync itself.
	const second = await context.newPage();
	await second.goto('/sync');
	await expect(indicator(second)).toHaveAttribute('data-leader', 'false');
	// Ten live long-polls must not take every connection the browser has for this host.
	const t0 = Date.now();
	await page.evaluate(() => fetch('/api/health').then((r) => r.status));
	expect(Date.now() - t0, 'an API call while syncing').toBeLessThan(3_000);
	await expect(second.locator('tr[data-shape="users"]')).not.toHaveAttribute('data-rows', '0');
	await expect(indicator(page)).toHaveAttribute('data-leader', 'true');
	const leaders = await Promise.all([page, second].map((p) => indicator(p).getAttribute('data-leader')));
	expect(leaders.filter((l) => l === 'true')).toHaveLength(1);

	const ticketsRow = page.locator('tr[data-shape="tickets"]');
	const before = Number(await ticketsRow.getAttribute('data-rows'));

	// Offline: the change is kept locally and counted in the shell.
	await context.setOffline(true);
	await expect(indicator(page)).toHaveAttribute('data-online', 'false');
	await expect(indicator(page)).toContainText('Offline');
	await page.evaluate(async () => {
		const hook = (window as unknown as { __outpost: { sync: { mutate(n: string, a: unknown): Promise<unknown> }; newId(): string } }).__outpost;
		await hook.sync.mutate('ticket.create', { id: hook.newId(), subject: 'Printer offline on floor 2', description: 'Filed while offline (e2e).' });
	});
	await expect(indicator(page)).toContainText('1 change waiting to sync');
	await expect(indicator(page)).toHaveAttribute('data-outbox', '1');
	await expect(indicator(second)).toHaveAttribute('data-outbox', '1');
	const outbox = page.getByTestId('sync-outbox');
	await expect(outbox.getByRole('rowheader', { name: 'New ticket' })).toBeVisible();
	await expect(ticketsRow).toHaveAttribute('data-rows', String(before));

	// Back online: the outbox drains and the confirmed ticket streams into the local table.
	await context.setOffline(false);
	await expect(indicator(page)).toHaveAttribute('data-outbox', '0', { timeout: 30_000 });
	await expect(indicator(page)).not.toContainText('waiting to sync');
	await expect(page.getByText('Every change you made has reached the server.')).toBeVisible();
	await expect(ticketsRow).toHaveAttribute('data-rows', String(before + 1), { timeout: 30_000 });
	await expect(second.locator('tr[data-shape="tickets"]')).toHaveAttribute('data-rows', String(before + 1));
	expect(await idbCount(page, 'tickets')).toBe(before + 1);
	await second.close();

	// Sign-out wipes the synced rows from this device.
	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page).toHaveURL(/\/login$/);
	await expect.poll(() => idbCount(page, 'tickets')).toBe(0);
	await expect.poll(() => idbCount(page, 'users')).toBe(0);
});

test('the sync store is not on window without ?debug', async ({ page }) => {
	await signIn(page, '/sync');
	await expect(indicator(page)).toBeVisible();
	expect(await page.evaluate(() => 'outpost' in window || '__outpost' in window)).toBe(false);
});

/** Makes the page report itself hidden or visible, as switching tabs would, and tells it so. */
async function setVisibility(page: Page, state: 'hidden' | 'visible') {
	await page.evaluate((s) => {
		Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
		Object.defineProperty(document, 'hidden', { configurable: true, get: () => s === 'hidden' });
		document.dispatchEvent(new Event('visibilitychange'));
	}, state);
}

test('a joining tab shows the live state at once, and a hidden leader hands the sync to the visible tab', async ({ page, context, request }) => {
	await signIn(page, '/sync');
	for (const shape of SHAPES) await expect(page.locator(`tr[data-shape="${shape}"]`), shape).toHaveAttribute('data-phase', 'live', { timeout: 30_000 });
	await expect(indicator(page)).toHaveAttribute('data-leader', 'true');

	// The second tab learns every shape's state from the leader when it joins, not at the next change.
	const second = await context.newPage();
	await second.goto('/sync');
	await expect(indicator(second)).toHaveAttribute('data-leader', 'false');
	for (const shape of SHAPES) await expect(second.locator(`tr[data-shape="${shape}"]`), shape).toHaveAttribute('data-phase', 'live', { timeout: 5_000 });

	// The user switches to the second tab: the first (leader) goes hidden, the second visible.
	await setVisibility(page, 'hidden');
	await setVisibility(second, 'visible');
	await expect(indicator(second)).toHaveAttribute('data-leader', 'true', { timeout: 10_000 });
	await expect(indicator(page)).toHaveAttribute('data-leader', 'false');
	for (const shape of SHAPES) await expect(second.locator(`tr[data-shape="${shape}"]`), shape).toHaveAttribute('data-phase', 'live', { timeout: 30_000 });

	// Changes keep arriving, now through the second tab, and both tabs see them; the long-polls
	// travel over the /ws socket, not as HTTP requests.
	await second.waitForTimeout(1_000);
	const httpLive: string[] = [];
	second.on('request', (r) => {
		if (/\/api\/sync\/shape\?.*live=true/.test(r.url())) httpLive.push(r.url());
	});
	const tickets = second.locator('tr[data-shape="tickets"]');
	const before = Number(await tickets.getAttribute('data-rows'));
	const login = await request.post('/api/auth/login', { data: { email: ADMIN.email, password: ADMIN.password } });
	const token = (await login.json()).accessToken;
	const created = await request.post('/api/sync/mutations', {
		headers: { authorization: `Bearer ${token}` },
		data: {
			clientId: uuidv7(),
			mutations: [{ id: uuidv7(), name: 'ticket.create', args: { id: uuidv7(), subject: 'Seen after the hand-over' }, clientTime: new Date().toISOString() }]
		}
	});
	expect(created.status()).toBe(200);
	await expect(tickets).toHaveAttribute('data-rows', String(before + 1), { timeout: 15_000 });
	await expect(page.locator('tr[data-shape="tickets"]')).toHaveAttribute('data-rows', String(before + 1));
	expect(httpLive, 'live requests made over HTTP instead of the socket').toEqual([]);
	await second.close();
});
