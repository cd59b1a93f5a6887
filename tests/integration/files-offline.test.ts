// Offline attachments, end to end on real Dexie (fake-indexeddb) against the real built server:
// a file chosen offline waits in Dexie with the comment that references it in the outbox; when
// the device comes online the file is uploaded exactly once (a lost response is retried with the
// same X-File-Id and answered with the stored file), and only then is the comment sent, with the
// attachment linked. A refused file (type not allowed) lets the comment through to a rejection in
// the conflicts inbox instead of blocking the queue.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { randomBytes, createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { uuidv7 } from 'uuidv7';
import { freshDb, until } from '../../sync/client/testing/helpers';
import { Outbox } from '../../sync/client/outbox';
import { Uploader, queueUpload, uploadsReady } from '../../src/lib/client/uploads';
import type { OutpostDb } from '../../src/lib/client/db';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, type RunningServer } from '../support/server';
import type { Backend } from '../support/backends';

const backends = inject('backends') as Backend[];
const PASSWORD = 'a long and unusual passphrase';

describe.each(backends)('offline attachments on %s', (backend) => {
  let srv: RunningServer;
  let alice: { id: string; client: Client };
  let db: OutpostDb;

  beforeAll(async () => {
    srv = await startServer(backend);
    const admin = new Client(srv.url);
    await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const email = `alice-${Math.random().toString(36).slice(2, 8)}@example.test`;
    const r = await admin.post('/api/v1/admin/users', { email, name: 'Alice Offline', roles: ['end_user'], password: PASSWORD });
    expect(r.status, r.text).toBe(201);
    const client = new Client(srv.url);
    await client.login(email, PASSWORD);
    alice = { id: r.json.user.id, client };
    db = freshDb();
  });

  afterAll(async () => {
    await db?.delete();
    await srv?.stop();
  });

  /** A device: fetch that fails while offline, records what reached the server, can lose one response. */
  function device() {
    const net = { online: false, loseNextUploadResponse: false, calls: [] as Array<{ path: string; status: number; mutations?: string[] }> };
    const fetchClient: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      if (!net.online) throw new TypeError('fetch failed (offline)');
      const headers = new Headers(init?.headers);
      headers.set('cookie', [...alice.client.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
      headers.set('origin', srv.url);
      const res = await fetch(url, { ...init, headers });
      const copy = res.clone();
      const body = url.pathname === '/api/sync/mutations' ? JSON.parse(String(init?.body)) : undefined;
      net.calls.push({ path: url.pathname, status: res.status, mutations: body?.mutations.map((m: { name: string }) => m.name) });
      if (url.pathname === '/api/v1/files' && net.loseNextUploadResponse) {
        net.loseNextUploadResponse = false;
        await copy.arrayBuffer();
        throw new TypeError('fetch failed (response lost)');
      }
      return res;
    };
    const outbox = new Outbox({ db, userId: alice.id, baseUrl: srv.url, fetchClient, auto: false, backoff: { initialDelay: 20, maxDelay: 80 }, ready: uploadsReady(db) });
    const uploader = new Uploader({ db, userId: alice.id, baseUrl: srv.url, fetchClient, auto: false, backoff: { initialDelay: 20, maxDelay: 80 }, onSettled: () => outbox.kick() });
    uploader.start();
    return { net, outbox, uploader };
  }

  const storedFiles = () => {
    const dir = path.join(srv.dataDir, 'attachments');
    const out: string[] = [];
    const walk = (d: string) => {
      if (!fs.existsSync(d)) return;
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else out.push(e.name);
      }
    };
    walk(dir);
    return out;
  };

  it('queues offline, uploads once when online, then sends the comment with the attachment linked', async () => {
    const { net, outbox, uploader } = device();
    const ticketId = uuidv7();
    // Online first: the ticket exists on the server.
    net.online = true;
    await outbox.mutate('ticket.create', { id: ticketId, subject: 'Cracked screen on field tablet' });
    expect((await outbox.flush()).applied).toBe(1);
    net.online = false;

    // Offline: a photo is chosen and a comment written that references it.
    const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(300_000)]);
    const up = await queueUpload(db, alice.id, new Blob([photo], { type: 'image/jpeg' }), { name: 'IMG_2041.JPG' });
    const commentId = uuidv7();
    await outbox.mutate('comment.add', { id: commentId, ticket_id: ticketId, body: 'Photo of the crack', attachments: [up.id] });

    // Nothing can go while offline; the outbox would not send the comment ahead of its file anyway.
    expect((await uploader.run()).stopped).toBe('network');
    expect((await outbox.flush()).stopped).toBe('waiting');
    expect(await db.outbox.count()).toBe(1);
    expect((await db.uploads.get(up.id))?.status).toBe('queued');

    // A "reload": this tab's sync stops; a new outbox and uploader read the queue back from Dexie.
    outbox.stop();
    uploader.stop();
    const before = storedFiles().length;
    const again = device();
    again.net.online = true;
    again.net.loseNextUploadResponse = true;
    // The new uploader's first pass (started with it) loses the response; `retryNow` (the device
    // coming online) lets that pass finish, then retries at once with the same X-File-Id.
    await again.uploader.retryNow();
    await until(async () => (await db.uploads.get(up.id))?.status === 'done', { what: 'upload done', timeoutMs: 30_000 });
    await until(async () => (await db.outbox.count()) === 0, { what: 'comment sent', timeoutMs: 30_000 });

    // Uploaded once: two requests with the same id, one stored file; then the comment.
    const uploads = again.net.calls.filter((c) => c.path === '/api/v1/files');
    expect(uploads.map((c) => c.status)).toEqual([201, 200]);
    expect(storedFiles().length).toBe(before + 1);
    const firstMutationAfterUpload = again.net.calls.findIndex((c) => c.path === '/api/sync/mutations');
    expect(firstMutationAfterUpload).toBeGreaterThan(again.net.calls.lastIndexOf(uploads[1]) - 1);
    expect(again.net.calls[firstMutationAfterUpload].mutations).toEqual(['comment.add']);
    expect(await db.conflicts.count()).toBe(0);

    const rec = await db.uploads.get(up.id);
    expect(rec?.blob).toBeNull();
    const meta = await alice.client.get(`/api/v1/files/${up.id}/meta`);
    expect(meta.status).toBe(200);
    expect(meta.json).toMatchObject({ id: up.id, name: 'IMG_2041.JPG', mimeType: 'image/jpeg', ticketId, commentId, owner: { type: 'comment', id: commentId }, sha256: createHash('sha256').update(photo).digest('hex') });
    again.outbox.stop();
    again.uploader.stop();
  });

  it('a refused file does not block the queue: the comment is rejected into the conflicts inbox', async () => {
    const { net, outbox, uploader } = device();
    net.online = true;
    const ticketId = uuidv7();
    await outbox.mutate('ticket.create', { id: ticketId, subject: 'Script from vendor' });
    const up = await queueUpload(db, alice.id, new Blob(['#!/bin/sh\necho hi\n']), { name: 'fix.sh' });
    const commentId = uuidv7();
    const comment = await outbox.mutate('comment.add', { id: commentId, ticket_id: ticketId, body: 'Vendor script attached', attachments: [up.id] });
    const later = await outbox.mutate('comment.add', { id: uuidv7(), ticket_id: ticketId, body: 'Any news?' });
    // The ticket goes out, the comment (and what follows it) waits for its file.
    expect((await outbox.flush()).stopped).toBe('waiting');
    expect((await db.outbox.toArray()).map((m) => m.name)).toEqual(['comment.add', 'comment.add']);
    const r = await uploader.run();
    expect(r.failed).toBe(1);
    const rec = await db.uploads.get(up.id);
    expect(rec?.status).toBe('failed');
    expect(rec?.lastError).toContain('text/x-shellscript');
    await until(async () => (await db.outbox.count()) === 0, { what: 'queue drained' });
    const conflict = await db.conflicts.get(comment.id);
    expect(conflict?.error.fields?.[0]?.field).toBe('attachments.0');
    expect((conflict?.args as { body: string }).body).toBe('Vendor script attached');
    expect(await db.conflicts.get(later.id)).toBeUndefined();
    outbox.stop();
    uploader.stop();
  });
});
