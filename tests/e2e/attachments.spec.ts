import { expect, test } from '@playwright/test';
import { ADMIN } from './env';

// Offline attachments in a real browser (Chromium's IndexedDB keeps the Blob): a photo chosen
// offline waits in Dexie with the comment that references it; back online the photo uploads,
// then the comment is sent and the attachment is linked to it. No ticket screen exists yet, so
// the sync store is driven through the `?debug` hook (`window.__outpost`).
type Hook = {
	sync: {
		mutate(n: string, a: unknown): Promise<unknown>;
		queueAttachment(f: Blob, name?: string): Promise<{ id: string }>;
	};
	newId(): string;
};

function idb<T>(page: import('@playwright/test').Page, table: string, key?: string): Promise<T> {
	return page.evaluate(
		([name, k]) =>
			new Promise<T>((resolve, reject) => {
				const open = indexedDB.open('outpost');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const store = open.result.transaction(name, 'readonly').objectStore(name);
					const req = k ? store.get(k) : store.count();
					req.onsuccess = () => {
						const v = req.result;
						resolve((v && typeof v === 'object' ? { ...v, blob: v.blob ? { size: v.blob.size } : v.blob } : v) as T);
						open.result.close();
					};
					req.onerror = () => reject(req.error);
				};
			}),
		[table, key] as const
	);
}

test('a photo attached offline uploads when back online, then its comment is sent with it', async ({ page, context }) => {
	await page.goto(`/login?next=${encodeURIComponent('/sync?debug')}`);
	await page.getByLabel('Email').fill(ADMIN.email);
	await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sync status');
	const indicator = page.locator('[data-sync-indicator]:visible');
	await expect(indicator).toHaveAttribute('data-leader', 'true', { timeout: 30_000 });

	const ticketId = await page.evaluate(async () => {
		const hook = (window as unknown as { __outpost: Hook }).__outpost;
		const id = hook.newId();
		await hook.sync.mutate('ticket.create', { id, subject: 'Water damage in server room' });
		return id;
	});
	await expect(indicator).toHaveAttribute('data-outbox', '0', { timeout: 30_000 });

	await context.setOffline(true);
	await expect(indicator).toHaveAttribute('data-online', 'false');
	const { fileId, commentId } = await page.evaluate(async (ticket) => {
		const hook = (window as unknown as { __outpost: Hook }).__outpost;
		const bytes = new Uint8Array(200_000);
		bytes.set([0xff, 0xd8, 0xff, 0xe0]);
		for (let i = 4; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
		const rec = await hook.sync.queueAttachment(new File([bytes], 'IMG_0001.JPG', { type: 'image/jpeg' }));
		const comment = hook.newId();
		await hook.sync.mutate('comment.add', { id: comment, ticket_id: ticket, body: 'Photo of the leak', attachments: [rec.id] });
		return { fileId: rec.id, commentId: comment };
	}, ticketId);
	await expect(indicator).toHaveAttribute('data-outbox', '1');
	const waiting = await idb<{ status: string; blob: { size: number } }>(page, 'uploads', fileId);
	expect(waiting.status).toBe('queued');
	expect(waiting.blob.size).toBe(200_000);

	// Back online: upload first, then the comment; the file ends up linked to it.
	await context.setOffline(false);
	await expect(indicator).toHaveAttribute('data-outbox', '0', { timeout: 30_000 });
	await expect.poll(async () => (await idb<{ status: string }>(page, 'uploads', fileId)).status).toBe('done');
	expect((await idb<{ blob: unknown }>(page, 'uploads', fileId)).blob).toBeNull();
	const meta = await page.evaluate(async (id) => (await fetch(`/api/v1/files/${id}/meta`)).json(), fileId);
	expect(meta).toMatchObject({ id: fileId, name: 'IMG_0001.JPG', mimeType: 'image/jpeg', sizeBytes: 200_000, ticketId, commentId, owner: { type: 'comment', id: commentId } });
	expect(await idb<number>(page, 'conflicts')).toBe(0);
	// The attachment row arrives through the ticket_attachments shape.
	await expect.poll(() => idb<number>(page, 'ticket_attachments'), { timeout: 30_000 }).toBeGreaterThan(0);
});
