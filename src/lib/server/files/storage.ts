// Where file bytes live: `{dataDir}/{kind}/{yyyy}/{mm}/{uuid}`. Every part is chosen by the
// server (a kind from a closed list, the server clock, a uuid it generated or validated), never
// by the user, and the resolved path is checked to stay under the data directory.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { STORAGE_KINDS, type StorageKind } from '$lib/domain/files/schemas';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class FileStorage {
  constructor(readonly root: string) {}

  /** The relative storage path for a new file (what `files.storage_path` records). */
  relativePath(kind: StorageKind, id: string, at = new Date()): string {
    if (!STORAGE_KINDS.includes(kind)) throw new Error(`unknown storage kind ${kind}`);
    if (!UUID.test(id)) throw new Error('file id must be a lowercase uuid');
    const yyyy = String(at.getUTCFullYear());
    const mm = String(at.getUTCMonth() + 1).padStart(2, '0');
    return `${kind}/${yyyy}/${mm}/${id}`;
  }

  /** Absolute path of a stored relative path; refuses anything that would leave the root. */
  absolute(relative: string): string {
    if (!/^[a-z]+\/\d{4}\/\d{2}\/[0-9a-f-]{36}$/.test(relative)) throw new Error('malformed storage path');
    const abs = path.resolve(this.root, relative);
    if (!abs.startsWith(path.resolve(this.root) + path.sep)) throw new Error('storage path escapes the data directory');
    return abs;
  }

  /** A temporary path for an upload in progress (same file system as the final place, so the rename is atomic). */
  async tempPath(id: string): Promise<string> {
    if (!UUID.test(id)) throw new Error('file id must be a lowercase uuid');
    const dir = path.join(this.root, 'tmp', 'uploads');
    await fsp.mkdir(dir, { recursive: true });
    return path.join(dir, `${id}.${process.pid}.${Date.now().toString(36)}.part`);
  }

  /** Moves a finished upload into place. */
  async commit(temp: string, relative: string): Promise<void> {
    const abs = this.absolute(relative);
    await fsp.mkdir(path.dirname(abs), { recursive: true });
    await fsp.rename(temp, abs);
  }

  async remove(absOrTemp: string): Promise<void> {
    await fsp.rm(absOrTemp, { force: true });
  }

  openRead(relative: string, range?: { start: number; end: number }): fs.ReadStream {
    return fs.createReadStream(this.absolute(relative), { ...(range ?? {}), highWaterMark: 256 * 1024 });
  }

  async exists(relative: string): Promise<boolean> {
    try {
      return (await fsp.stat(this.absolute(relative))).isFile();
    } catch {
      return false;
    }
  }

  /** Deletes leftover partial uploads older than `olderThanMs` (a crash mid-upload). */
  async sweepTemp(olderThanMs: number): Promise<number> {
    const dir = path.join(this.root, 'tmp', 'uploads');
    let removed = 0;
    let entries: string[] = [];
    try {
      entries = await fsp.readdir(dir);
    } catch {
      return 0;
    }
    const cutoff = Date.now() - olderThanMs;
    for (const e of entries) {
      if (!e.endsWith('.part')) continue;
      const p = path.join(dir, e);
      const st = await fsp.stat(p).catch(() => null);
      if (st && st.mtimeMs < cutoff) {
        await fsp.rm(p, { force: true });
        removed++;
      }
    }
    return removed;
  }
}
