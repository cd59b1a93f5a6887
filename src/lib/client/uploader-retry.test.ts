// The uploader's retry when the network comes back, on real Dexie (fake-indexeddb) against a real
// HTTP peer that stores what it receives. The device's fetch fails while it is "offline", as a
// browser's does.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freshDb } from '../../../sync/client/testing/helpers';
import { Uploader, queueUpload } from './uploads';
import type { OutpostDb } from './db';

let db: OutpostDb;
let server: http.Server;
let url: string;
const received: Array<{ id: string; bytes: number }> = [];

beforeEach(async () => {
	db = freshDb();
	received.length = 0;
	server = http.createServer((req, res) => {
		let bytes = 0;
		req.on('data', (c: Buffer) => (bytes += c.length));
		req.on('end', () => {
			const id = String(req.headers['x-file-id']);
			received.push({ id, bytes });
			res.writeHead(201, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ id, size: bytes }));
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
	await new Promise((r) => server.close(r));
	await db.delete();
});

describe('Uploader.retryNow', () => {
	it('coming online while an offline attempt is still in flight uploads at once, not after the backoff', async () => {
		const net = { online: false };
		let release!: () => void;
		const inFlight = new Promise<void>((r) => (release = r));
		let calls = 0;
		const fetchClient: typeof fetch = async (input, init) => {
			calls++;
			// The first attempt started while offline; it fails only after the device is back online.
			if (calls === 1) {
				await inFlight;
				throw new TypeError('fetch failed (offline)');
			}
			if (!net.online) throw new TypeError('fetch failed (offline)');
			return fetch(input, init);
		};
		// A long backoff: had the retry been lost, the upload would wait for a minute.
		const up = new Uploader({ db, userId: 'u1', baseUrl: url, fetchClient, auto: false, backoff: { initialDelay: 60_000, maxDelay: 60_000 } });
		const rec = await queueUpload(db, 'u1', new Blob([new Uint8Array(1234)], { type: 'image/png' }), { name: 'a.png' });

		const first = up.run();
		while (calls === 0) await new Promise((r) => setTimeout(r, 5));
		net.online = true;
		const retried = up.retryNow();
		release();

		expect((await first).stopped).toBe('network');
		const r = await retried;
		expect(r).toMatchObject({ uploaded: 1, failed: 0 });
		expect(r.stopped).toBeUndefined();
		expect(received).toEqual([{ id: rec.id, bytes: 1234 }]);
		const after = await db.uploads.get(rec.id);
		expect(after?.status).toBe('done');
		expect(after?.attempts).toBe(1);
		up.stop();
	});

	it('while still offline, a retry fails once and leaves the file queued with its backoff', async () => {
		const fetchClient: typeof fetch = async () => {
			throw new TypeError('fetch failed (offline)');
		};
		const up = new Uploader({ db, userId: 'u1', baseUrl: url, fetchClient, auto: false, backoff: { initialDelay: 60_000, maxDelay: 60_000 } });
		const rec = await queueUpload(db, 'u1', new Blob([new Uint8Array(10)]), { name: 'b.bin' });
		expect((await up.retryNow()).stopped).toBe('network');
		const after = await db.uploads.get(rec.id);
		expect(after).toMatchObject({ status: 'queued', attempts: 1 });
		expect(after!.nextAttemptAt! - Date.now()).toBeGreaterThan(20_000);
		expect(received).toEqual([]);
		up.stop();
	});
});
