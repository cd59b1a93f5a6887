// The files service on a real embedded database and a real temporary data directory: abandoned
// uploads (never attached) are removed with their bytes once old enough, attached and recent
// files stay, partial uploads a crash left behind are swept; the storage never resolves a path
// outside its root.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { openDatabase, type Database } from '../db/connection';
import { migrate } from '../db/migrate';
import { SettingsService } from '../settings/service';
import { FilesService, parseRange } from './service';
import { FileStorage } from './storage';
import type { RequestContext } from '../context';
import { PERMISSIONS } from '$lib/domain/auth/permissions';
import { DEFAULT_ALLOWED_TYPES } from '$lib/domain/files/schemas';

let d: Database;
let dir: string;
let files: FilesService;
let ctx: RequestContext;

const stream = (text: string) => new Blob([text]).stream() as ReadableStream<Uint8Array>;

beforeAll(async () => {
  d = await openDatabase({ pgliteDir: 'memory://' });
  await migrate(d.db);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-files-'));
  files = new FilesService(d.db, new SettingsService(d.db), dir);
  const id = uuidv7();
  await d.db.insertInto('users').values({ id, email: `f-${id}@example.test`, name: 'Uploader' }).execute();
  ctx = { actor: { id, email: 'f@example.test', name: 'Uploader', roles: ['agent'], permissions: new Set(PERMISSIONS), via: 'cookie' }, source: 'web' };
}, 60_000);

afterAll(async () => {
  await d?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('cleanupAbandoned', () => {
  it('removes old unattached files with their bytes; keeps recent and attached ones; sweeps stale partials', async () => {
    const old = (await files.upload(ctx, { body: stream('old and abandoned\n'), name: 'old.txt' })).meta;
    const recent = (await files.upload(ctx, { body: stream('recent\n'), name: 'recent.txt' })).meta;
    const attached = (await files.upload(ctx, { body: stream('attached\n'), name: 'kept.txt' })).meta;
    await d.db.updateTable('files').set({ owner_type: 'ticket', owner_id: uuidv7() }).where('id', '=', attached.id).execute();
    await sql`update files set created_at = now() - interval '2 days' where id in (${old.id}, ${attached.id})`.execute(d.db);
    const pathOf = async (id: string) => path.join(dir, (await d.db.selectFrom('files').select('storage_path').where('id', '=', id).executeTakeFirstOrThrow()).storage_path);
    const oldPath = await pathOf(old.id);
    expect(fs.existsSync(oldPath)).toBe(true);

    // A partial upload left by a crash two days ago, and one in progress now.
    const tmp = path.join(dir, 'tmp', 'uploads');
    fs.mkdirSync(tmp, { recursive: true });
    const stale = path.join(tmp, `${uuidv7()}.1.x.part`);
    const live = path.join(tmp, `${uuidv7()}.1.y.part`);
    fs.writeFileSync(stale, 'half');
    fs.writeFileSync(live, 'half');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    fs.utimesSync(stale, twoDaysAgo, twoDaysAgo);

    expect(await files.cleanupAbandoned()).toEqual({ files: 1, partials: 1 });
    expect(fs.existsSync(oldPath)).toBe(false);
    expect(await d.db.selectFrom('files').select('id').where('id', '=', old.id).executeTakeFirst()).toBeUndefined();
    for (const f of [recent, attached]) expect(fs.existsSync(await pathOf(f.id))).toBe(true);
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    // Idempotent.
    expect(await files.cleanupAbandoned()).toEqual({ files: 0, partials: 0 });
  });
});

describe('settings', () => {
  it('seed the allow-list the domain declares, and 100 MB', async () => {
    const settings = new SettingsService(d.db);
    expect(await settings.get('files.allowedTypes')).toEqual(DEFAULT_ALLOWED_TYPES);
    expect(await settings.get('files.maxUploadBytes')).toBe(100 * 1024 * 1024);
  });
});

describe('FileStorage', () => {
  it('builds paths only from a known kind, the date and a uuid, and never leaves its root', () => {
    const s = new FileStorage('/data');
    const id = '01900000-0000-7000-8000-000000000000';
    expect(s.relativePath('attachments', id, new Date('2026-03-05T00:00:00Z'))).toBe(`attachments/2026/03/${id}`);
    expect(() => s.relativePath('../etc' as never, id)).toThrow();
    expect(() => s.relativePath('attachments', '../../etc/passwd')).toThrow();
    expect(() => s.absolute('../etc/2026/01/' + id)).toThrow();
    expect(() => s.absolute('attachments/2026/01/../../../../etc/passwd')).toThrow();
    expect(s.absolute(`attachments/2026/03/${id}`)).toBe(`/data/attachments/2026/03/${id}`);
  });
});

describe('parseRange', () => {
  it('reads one byte range', () => {
    expect(parseRange(null, 100)).toBeNull();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
  });
});
