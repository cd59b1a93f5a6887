// The browser side of attachments on real Dexie (fake-indexeddb): the v1 → v2 upgrade keeps the
// data and adds the stores, the outbox gate, and pruning of finished uploads.
import 'fake-indexeddb/auto';
import { describe, it, expect } from 'vitest';
import Dexie from 'dexie';
import { OutpostDb } from './db';
import { SHAPE_STORES, SYNC_STORES } from '$sync/client/schema';
import { queueUpload, uploadsReady, referencedFiles, pruneUploads } from './uploads';
import type { OutboxRecord } from '$sync/client/schema';
import { getTicket } from './tickets';

const name = () => `uploads-test-${Date.now()}-${Math.random().toString(36).slice(2)}`;
const rec = (args: unknown): OutboxRecord => ({ id: 'm', name: 'comment.add', args, clientTime: new Date().toISOString(), userId: 'u1', attempts: 0, createdAt: 0 });

describe('OutpostDb version 2', () => {
  it('upgrades a version-1 database in place: data kept, uploads and ticket_attachments added', async () => {
    const n = name();
    const { ticket_attachments: _added, ...v1Shapes } = SHAPE_STORES;
    const old = new Dexie(n);
    old.version(1).stores({ ...v1Shapes, ...SYNC_STORES });
    await old.table('tickets').put({ id: 't1', subject: 'kept' });
    await old.table('outbox').add({ id: 'm1', name: 'x', args: {}, clientTime: '', userId: 'u1', attempts: 0, createdAt: 1 });
    old.close();

    const db = new OutpostDb(n);
    expect((await getTicket(db, 't1'))?.subject).toBe('kept');
    expect(await db.outbox.count()).toBe(1);
    await db.ticket_attachments.put({ id: 'a1', ticket_id: 't1', file_id: 'f1' });
    expect(await db.ticket_attachments.where('ticket_id').equals('t1').count()).toBe(1);
    const up = await queueUpload(db, 'u1', new Blob(['hello'], { type: 'text/plain' }), { name: 'hello.txt' });
    const back = await db.uploads.get(up.id);
    expect(back).toMatchObject({ name: 'hello.txt', size: 5, status: 'queued', userId: 'u1', attempts: 0 });
    expect(await back!.blob!.text()).toBe('hello');
    await db.delete();
  });
});

describe('uploadsReady', () => {
  it('holds a mutation while any referenced file is queued or uploading; done, refused or unknown files let it go', async () => {
    const db = new OutpostDb(name());
    const ready = uploadsReady(db);
    const a = await queueUpload(db, 'u1', new Blob(['a']), { name: 'a' });
    const b = await queueUpload(db, 'u1', new Blob(['b']), { name: 'b' });
    expect(referencedFiles({ attachments: [a.id, 7, b.id] })).toEqual([a.id, b.id]);
    expect(await ready(rec({ body: 'no files' }))).toBe(true);
    expect(await ready(rec({ attachments: [a.id, b.id] }))).toBe(false);
    await db.uploads.update(a.id, { status: 'done' });
    await db.uploads.update(b.id, { status: 'uploading' });
    expect(await ready(rec({ attachments: [a.id, b.id] }))).toBe(false);
    await db.uploads.update(b.id, { status: 'failed' });
    expect(await ready(rec({ attachments: [a.id, b.id, 'uploaded-elsewhere'] }))).toBe(true);
    await db.delete();
  });
});

describe('pruneUploads', () => {
  it('drops finished uploads older than the cutoff only', async () => {
    const db = new OutpostDb(name());
    const old = await queueUpload(db, 'u1', new Blob(['o']));
    const fresh = await queueUpload(db, 'u1', new Blob(['f']));
    const waiting = await queueUpload(db, 'u1', new Blob(['w']));
    await db.uploads.update(old.id, { status: 'done', blob: null, updatedAt: Date.now() - 2 * 86_400_000 });
    await db.uploads.update(fresh.id, { status: 'done', blob: null, updatedAt: Date.now() });
    await db.uploads.update(waiting.id, { updatedAt: Date.now() - 2 * 86_400_000 });
    expect(await pruneUploads(db)).toBe(1);
    expect((await db.uploads.toArray()).map((r) => r.id).sort()).toEqual([fresh.id, waiting.id].sort());
    await db.delete();
  });
});
