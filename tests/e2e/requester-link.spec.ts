// A requester without an account: mails the service desk (webhook intake), gets the acknowledgement
// through the real outbound relay (an smtp-server sink here), follows the signed link in it to
// /r/<token>, reads the public thread (never the internal note) and replies from the page.
import { expect, test } from '@playwright/test';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { ADMIN, BASE_URL } from './env';

test('the signed link in the acknowledgement opens the public thread and takes a reply', async ({ page }) => {
	const mails: { text: string }[] = [];
	const sink = new SMTPServer({
		authOptional: true,
		disabledCommands: ['AUTH', 'STARTTLS'],
		logger: false,
		onData(stream, _s, cb) {
			void simpleParser(stream).then((m) => {
				mails.push({ text: m.text ?? '' });
				cb();
			}, cb);
		}
	});
	await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
	const port = (sink.server.address() as { port: number }).port;
	try {
		const token = (await (await fetch(`${BASE_URL}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })).json()).accessToken;
		const call = async (method: string, p: string, body?: unknown) => {
			const r = await fetch(BASE_URL + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
			expect(r.status, `${method} ${p}`).toBeLessThan(300);
			return r.status === 204 ? null : r.json();
		};
		const stamp = Date.now().toString(36);
		const existing = (await call('GET', '/api/v1/admin/email/mailboxes')).items as { id: string; is_default: boolean; kind: string }[];
		const relay = existing.find((m) => m.kind === 'smtp' && m.is_default);
		if (relay) await call('PATCH', `/api/v1/admin/email/mailboxes/${relay.id}`, { host: '127.0.0.1', port, security: 'none', auth_method: 'none', address: 'support@help.example.com' });
		else await call('POST', '/api/v1/admin/email/mailboxes', { name: `Relay ${stamp}`, kind: 'smtp', address: 'support@help.example.com', host: '127.0.0.1', port, security: 'none', auth_method: 'none', is_default: true });
		await call('POST', '/api/v1/admin/email/mailboxes', { name: `Hook ${stamp}`, kind: 'webhook', secret: `hook-secret-${stamp}`, enabled: true });
		const raw = [`From: Rosa Diaz <rosa.${stamp}@customer.example>`, 'To: support@help.example.com', `Subject: Badge reader broken ${stamp}`, `Message-ID: <badge-${stamp}@customer.example>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'The badge reader at the north door is dead.', ''].join('\r\n');
		const r = await fetch(`${BASE_URL}/api/v1/email/inbound`, { method: 'POST', headers: { 'content-type': 'message/rfc822', 'x-outpost-email-secret': `hook-secret-${stamp}` }, body: raw });
		const created = await r.json();
		expect(created.status).toBe('created');
		await call('POST', '/api/sync/mutations', { clientId: crypto.randomUUID(), mutations: [{ id: crypto.randomUUID(), name: 'comment.add', args: { id: crypto.randomUUID(), ticket_id: created.ticket_id, body: `INTERNAL ${stamp}: vendor contract expired`, internal: true }, clientTime: new Date().toISOString() }] });

		await expect.poll(() => mails.find((m) => m.text.includes(`Badge reader broken ${stamp}`))?.text ?? '', { timeout: 30_000 }).toContain('/r/');
		const link = /\/r\/[A-Za-z0-9._-]+/.exec(mails.find((m) => m.text.includes(`Badge reader broken ${stamp}`))!.text)![0];

		await page.goto(link);
		await expect(page.getByRole('heading', { name: 'Your request' })).toBeVisible();
		await expect(page.getByText('The badge reader at the north door is dead.')).toBeVisible();
		await expect(page.getByText(`INTERNAL ${stamp}`)).toHaveCount(0);
		await page.getByLabel('Your reply').fill('It works again after a power cycle.');
		await page.getByRole('button', { name: 'Send reply' }).click();
		await expect(page.getByText('Your reply was added to the ticket.')).toBeVisible();
		await expect(page.getByText('It works again after a power cycle.')).toBeVisible();
		const detail = await call('GET', `/api/v1/tickets/${created.ticket_id}`);
		expect((detail.comments as { body: string; internal: boolean }[]).some((c) => c.body === 'It works again after a power cycle.' && !c.internal)).toBe(true);

		await page.goto(link.slice(0, -3) + 'xyz');
		await expect(page.getByText('This link does not work')).toBeVisible();
	} finally {
		await new Promise<void>((r) => sink.close(() => r()));
	}
});
