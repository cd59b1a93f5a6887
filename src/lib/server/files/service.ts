// The file store (ARCHITECTURE §11). Uploads stream from the request straight to a temporary file
// (never buffered whole): the first bytes decide the type by content against the allow-list, the
// size limit from settings is enforced while reading (413 as soon as it is passed), SVG is scanned
// for script to the end, the SHA-256 is computed on the way, and only a complete, accepted file is
// renamed into `{dataDir}/{kind}/{yyyy}/{mm}/{uuid}` and recorded in `files`. Anything else (limit,
// type, client abort, error) removes the partial file. Downloads check permission on the record
// that owns the file (a ticket attachment follows its ticket and the internal flag of its comment).
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { DB } from '../db/schema';
import type { RequestContext } from '../context';
import type { SettingsService } from '../settings/service';
import { recordAudit } from '../audit/service';
import { log } from '../log';
import { filesRepo, type FileRow } from './repository';
import { FileStorage } from './storage';
import { AppError } from '$lib/domain/common/errors';
import { canReadArticle } from '$lib/domain/kb/workflow';
import { can, type Actor } from '$lib/domain/auth/permissions';
import { ActiveContentScanner, SNIFF_BYTES, sniff, type Detected } from '$lib/domain/files/sniff';
import { alignExtension, sanitizeFileName } from '$lib/domain/files/names';
import { DEFAULT_ALLOWED_TYPES, isTypeAllowed, type FileMeta, type StorageKind } from '$lib/domain/files/schemas';

export interface UploadInput {
  body: ReadableStream<Uint8Array> | null;
  /** The name the client gave (already decoded from the header); display text only. */
  name: string;
  /** A client-generated id (offline queue); a retry with the same id returns the stored file. */
  fileId?: string;
  declaredLength?: number;
  kind?: StorageKind;
}

export interface Download {
  meta: FileMeta;
  body: ReadableStream<Uint8Array>;
  status: 200 | 206;
  length: number;
  range?: { start: number; end: number };
  /** Content-Type to send: active types (HTML, SVG) go out as opaque bytes. */
  contentType: string;
}

const MAX_ORIGINAL_NAME = 1024;
const CHUNK = 256 * 1024;

export interface UploadPolicy {
  limit: number;
  allowed: readonly string[];
}

/** Bytes checked and in place on disk, not yet recorded (email attachments). */
export interface PreparedFile {
  id: string;
  relative: string;
  originalName: string;
  sanitizedName: string;
  mimeType: string;
  size: number;
  sha256: string;
}
const DAY = 86_400_000;

const fileNotFound = () => new AppError('not_found', 'id: no such file', { fields: [{ field: 'id', message: 'no such file' }] });
const tooLarge = (limit: number) =>
  new AppError('payload_too_large', `file: is larger than the ${formatBytes(limit)} limit`, { limitBytes: limit, fields: [{ field: 'file', message: `is larger than ${limit} bytes` }] });

function formatBytes(n: number): string {
  return n >= 1024 ** 2 ? `${Math.round((n / 1024 ** 2) * 10) / 10} MB` : `${Math.round(n / 1024)} KB`;
}

/** Types a browser would run when opened in place: never served with their own type. */
const ACTIVE_TYPES = new Set(['text/html', 'image/svg+xml', 'application/xml', 'text/xml']);

export class FilesService {
  readonly storage: FileStorage;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly settings: SettingsService,
    dataDir: string
  ) {
    this.storage = new FileStorage(dataDir);
  }

  /** Streams an upload to disk and records it; unattached until a comment (or other record) links it. */
  async upload(ctx: RequestContext, input: UploadInput): Promise<{ meta: FileMeta; created: boolean }> {
    const actor = ctx.actor;
    if (!can(actor, 'tickets.create') && !can(actor, 'tickets.update')) throw new AppError('forbidden', 'You may not upload files');
    // Settings first: never read them while holding a transaction (PGlite has one connection).
    const all = await this.settings.all();
    const limit = all['files.maxUploadBytes'] ?? 100 * 1024 * 1024;
    const allowed = all['files.allowedTypes'] ?? DEFAULT_ALLOWED_TYPES;
    if (input.declaredLength !== undefined && input.declaredLength > limit) throw tooLarge(limit);

    const id = input.fileId ?? uuidv7();
    if (input.fileId) {
      const existing = await filesRepo.get(this.db, input.fileId);
      if (existing) {
        // A retry: its bytes are read and dropped (an unread body would break the connection).
        if (input.body) drain(input.body.getReader(), limit);
        if (existing.uploaded_by !== actor.id) throw new AppError('conflict', 'x-file-id: this id belongs to another file', { fields: [{ field: 'x-file-id', message: 'is taken' }] });
        return { meta: this.#meta(existing), created: false };
      }
    }
    if (!input.body) throw new AppError('validation', 'body: is empty; send the file bytes as the request body', { fields: [{ field: 'body', message: 'is empty' }] });

    const reader = input.body.getReader();
    const hash = createHash('sha256');
    let size = 0;
    let temp: string | undefined;
    let handle: fsp.FileHandle | undefined;
    let committed = false;
    try {
      // 1. Gather the first bytes and decide the type before anything touches the disk.
      const head: Uint8Array[] = [];
      let headSize = 0;
      let done = false;
      while (headSize < SNIFF_BYTES) {
        const r = await reader.read();
        if (r.done) {
          done = true;
          break;
        }
        head.push(r.value);
        headSize += r.value.byteLength;
        if (headSize > limit) throw tooLarge(limit);
      }
      const headBytes = Buffer.concat(head);
      const detected = sniff(headBytes);
      this.#checkType(detected, allowed);
      const scanner = detected.mime === 'image/svg+xml' || detected.mime === 'application/xml' ? new ActiveContentScanner() : null;

      // 2. Stream to a temporary file, enforcing the limit and scanning as it goes.
      temp = await this.storage.tempPath(id);
      handle = await fsp.open(temp, 'wx', 0o600);
      const write = async (chunk: Uint8Array) => {
        size += chunk.byteLength;
        if (size > limit) throw tooLarge(limit);
        if (scanner?.push(chunk)) this.#checkType(scripted(detected), allowed);
        hash.update(chunk);
        await handle!.write(chunk);
      };
      await write(headBytes);
      while (!done) {
        const r = await reader.read();
        if (r.done) break;
        await write(r.value);
      }
      await handle.sync();
      await handle.close();
      handle = undefined;

      // 3. Into place, then the row (with its audit entry) in one transaction.
      const sha256 = hash.digest('hex');
      const relative = this.storage.relativePath(input.kind ?? 'attachments', id);
      await this.storage.commit(temp, relative);
      temp = undefined;
      const original = input.name.slice(0, MAX_ORIGINAL_NAME);
      const name = alignExtension(sanitizeFileName(original, 'file'), detected);
      const row = await this.db.transaction().execute(async (trx) => {
        const r = await filesRepo.insert(trx, {
          id,
          storage_path: relative,
          original_name: original || name,
          sanitized_name: name,
          mime_type: detected.mime.replace(/\+script$/, ''),
          size_bytes: size,
          sha256,
          status: 'stored',
          uploaded_by: actor.id,
          created_by: actor.id,
          updated_by: actor.id
        });
        if (r) await recordAudit(trx, ctx, { action: 'file.upload', entityType: 'file', entityId: id, before: null, after: { name, mimeType: r.mime_type, sizeBytes: size, sha256 } });
        return r;
      });
      if (!row) {
        // The same client id won a race with this upload: keep theirs, drop ours.
        await this.storage.remove(this.storage.absolute(relative));
        const existing = await filesRepo.get(this.db, id);
        if (!existing || existing.uploaded_by !== actor.id) throw new AppError('conflict', 'x-file-id: this id belongs to another file', { fields: [{ field: 'x-file-id', message: 'is taken' }] });
        return { meta: this.#meta(existing), created: false };
      }
      committed = true;
      return { meta: this.#meta(row), created: true };
    } catch (e) {
      // Answer at once, but keep reading (and discarding) the rest of the body for a while: a
      // connection reset mid-upload would hide the answer from most clients. Past the cap the
      // connection is dropped.
      drain(reader, DRAIN_CAP_BYTES);
      if (!(e instanceof AppError)) log.warn('upload failed', { fileId: id, bytes: size, error: e instanceof Error ? e.message : String(e), requestId: ctx.requestId });
      throw e instanceof AppError ? e : new AppError('validation', 'body: the upload was interrupted before it finished', { fields: [{ field: 'body', message: 'was interrupted' }] });
    } finally {
      await handle?.close().catch(() => {});
      if (temp && !committed) await this.storage.remove(temp).catch(() => {});
    }
  }

  #checkType(detected: Detected, allowed: readonly string[]) {
    if (isTypeAllowed(detected, allowed)) return;
    throw new AppError('unsupported_media_type', `file: its content is ${detected.label} (${detected.mime}), which may not be uploaded`, {
      detectedType: detected.mime,
      fields: [{ field: 'file', message: `detected ${detected.mime}, which is not an allowed type` }]
    });
  }

  #meta(row: FileRow, attachment?: { ticket_id: string; comment_id: string | null; internal: boolean }): FileMeta {
    return {
      id: row.id,
      name: row.sanitized_name,
      mimeType: row.mime_type,
      sizeBytes: Number(row.size_bytes),
      sha256: row.sha256,
      createdAt: row.created_at.toISOString(),
      uploadedBy: row.uploaded_by,
      owner: row.owner_type && row.owner_id ? { type: row.owner_type, id: row.owner_id } : null,
      ...(attachment ? { ticketId: attachment.ticket_id, commentId: attachment.comment_id, internal: attachment.internal } : {})
    };
  }

  /**
   * The file if the actor may read it: an unattached file only by its uploader; a ticket
   * attachment by whoever may read the ticket, and on an internal note only by staff who may see
   * internal notes. Anything else does not exist for them (404, not 403: no probing).
   */
  async #readable(actor: Actor, id: string) {
    const row = await filesRepo.get(this.db, id);
    if (!row || row.status !== 'stored') throw fileNotFound();
    if (!row.owner_id) {
      if (row.uploaded_by !== actor.id) throw fileNotFound();
      return { row, attachment: undefined };
    }
    const att = await filesRepo.attachmentOf(this.db, id);
    if (att) {
      if (att.ticket_deleted_at || !can(actor, 'tickets.read', { requesterId: att.requester_id })) throw fileNotFound();
      if (att.internal && !can(actor, 'comments.internal')) throw fileNotFound();
      return { row, attachment: att };
    }
    // kb: an article's attachments are readable by whoever may read the article.
    if (row.owner_type === 'kb_article') {
      const article = await filesRepo.kbArticleOf(this.db, row.owner_id);
      if (!article || !canReadArticle(actor.permissions, article)) throw fileNotFound();
      return { row, attachment: undefined };
    }
    // Owned by another kind of record (email, asset…): staff only until that owner has its rule.
    if (!can(actor, 'tickets.read.all')) throw fileNotFound();
    return { row, attachment: undefined };
  }

  async meta(ctx: RequestContext, id: string): Promise<FileMeta> {
    const { row, attachment } = await this.#readable(ctx.actor, id);
    return this.#meta(row, attachment);
  }

  /** The bytes (whole, or one `Range: bytes=a-b`) of a file the actor may read. */
  async download(ctx: RequestContext, id: string, rangeHeader?: string | null): Promise<Download> {
    const { row, attachment } = await this.#readable(ctx.actor, id);
    const size = Number(row.size_bytes);
    const meta = this.#meta(row, attachment);
    const contentType = ACTIVE_TYPES.has(row.mime_type) ? 'application/octet-stream' : row.mime_type;
    if (!(await this.storage.exists(row.storage_path))) {
      log.error('file bytes missing', { fileId: row.id, requestId: ctx.requestId });
      throw new AppError('unavailable', 'The file is not available right now');
    }
    const range = parseRange(rangeHeader, size);
    if (range === 'unsatisfiable') throw new AppError('validation', `range: not satisfiable for a file of ${size} bytes`, { fields: [{ field: 'range', message: 'not satisfiable' }], rangeNotSatisfiable: size });
    const stream = this.storage.openRead(row.storage_path, range ?? undefined);
    const { Readable } = await import('node:stream');
    return {
      meta,
      body: Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>,
      status: range ? 206 : 200,
      length: range ? range.end - range.start + 1 : size,
      range: range ?? undefined,
      contentType
    };
  }

  /**
   * Links uploaded files to a new comment, inside the comment's transaction. Each file must have
   * been uploaded by the acting user, be stored and not attached to anything yet.
   */
  async attachToComment(trx: Kysely<DB>, ctx: RequestContext, input: { fileIds: string[]; ticketId: string; commentId: string; clientTime: Date | null }) {
    if (!input.fileIds.length) return [];
    const rows = await filesRepo.lockMany(trx, input.fileIds);
    const byId = new Map(rows.map((r) => [r.id, r]));
    input.fileIds.forEach((fid, i) => {
      const r = byId.get(fid);
      const field = `attachments.${i}`;
      if (!r || r.uploaded_by !== ctx.actor.id || r.status !== 'stored') {
        throw new AppError('validation', `${field}: no such uploaded file of yours (upload it first)`, { fields: [{ field, message: 'no such uploaded file of yours' }] });
      }
      if (r.owner_id) throw new AppError('validation', `${field}: this file is already attached elsewhere`, { fields: [{ field, message: 'is already attached' }] });
    });
    await filesRepo.setOwner(trx, input.fileIds, { type: 'comment', id: input.commentId }, ctx.actor.id);
    const actorId = ctx.actor.via === 'system' ? null : ctx.actor.id;
    // requester_id and internal are set by the table's trigger from the ticket and the comment.
    return filesRepo.insertAttachments(
      trx,
      input.fileIds.map((fid) => {
        const r = byId.get(fid)!;
        return {
          ticket_id: input.ticketId,
          comment_id: input.commentId,
          file_id: fid,
          requester_id: ctx.actor.id,
          file_name: r.sanitized_name,
          mime_type: r.mime_type,
          size_bytes: r.size_bytes,
          uploaded_by: actorId,
          client_created_at: input.clientTime,
          created_by: actorId,
          updated_by: actorId
        };
      })
    );
  }

  // ─── Email attachments (email issue) ───────────────────────────────────────────────────
  // The parser has decoded the bytes already; they get the same checks as an upload (type by
  // content against the allow-list, the size limit, SVG scanned for script), are written in
  // chunks to a temporary file and moved into place before the ingest's transaction, then
  // recorded and linked inside it (recordEmailFiles). A rolled-back ingest removes them
  // (discardPrepared); a crash in between leaves bytes without a row, never a row without bytes.

  /** The limit and allow-list, read before a transaction (PGlite has one connection). */
  async uploadPolicy(): Promise<UploadPolicy> {
    const all = await this.settings.all();
    return { limit: all['files.maxUploadBytes'] ?? 100 * 1024 * 1024, allowed: all['files.allowedTypes'] ?? DEFAULT_ALLOWED_TYPES };
  }

  async prepareBytes(content: Buffer, name: string, policy: UploadPolicy, kind: StorageKind = 'attachments'): Promise<{ ok: true; file: PreparedFile } | { ok: false; reason: string }> {
    if (content.length > policy.limit) return { ok: false, reason: `larger than the ${formatBytes(policy.limit)} limit` };
    const detected = sniff(content.subarray(0, SNIFF_BYTES));
    let type = detected;
    if (detected.mime === 'image/svg+xml' || detected.mime === 'application/xml') {
      const scanner = new ActiveContentScanner();
      for (let i = 0; i < content.length; i += CHUNK) if (scanner.push(content.subarray(i, i + CHUNK))) type = scripted(detected);
    }
    if (!isTypeAllowed(type, policy.allowed)) return { ok: false, reason: `its content is ${type.label} (${type.mime}), which is not an allowed type` };
    const id = uuidv7();
    const temp = await this.storage.tempPath(id);
    const hash = createHash('sha256');
    const handle = await fsp.open(temp, 'wx', 0o600);
    let moved = false;
    try {
      for (let i = 0; i < content.length; i += CHUNK) {
        const chunk = content.subarray(i, i + CHUNK);
        hash.update(chunk);
        await handle.write(chunk);
      }
      await handle.sync();
      await handle.close();
      const relative = this.storage.relativePath(kind, id);
      await this.storage.commit(temp, relative);
      moved = true;
      const original = name.slice(0, MAX_ORIGINAL_NAME);
      return { ok: true, file: { id, relative, originalName: original || 'attachment', sanitizedName: alignExtension(sanitizeFileName(original, 'attachment'), type), mimeType: type.mime.replace(/\+script$/, ''), size: content.length, sha256: hash.digest('hex') } };
    } finally {
      await handle.close().catch(() => {});
      if (!moved) await this.storage.remove(temp).catch(() => {});
    }
  }

  /** Removes prepared files whose ingest did not commit (or did not need them). */
  async discardPrepared(files: PreparedFile[]) {
    await Promise.all(files.map((f) => this.storage.remove(this.storage.absolute(f.relative)).catch(() => {})));
  }

  /** Records prepared files as attachments of a ticket (its description) or of a comment, in the caller's transaction. */
  async recordEmailFiles(trx: Kysely<DB>, ctx: RequestContext, files: (PreparedFile & { inline: boolean })[], target: { ticketId: string; commentId: string | null }) {
    if (!files.length) return;
    const actorId = ctx.actor.via === 'system' ? null : ctx.actor.id;
    for (const f of files) {
      await filesRepo.insert(trx, {
        id: f.id,
        storage_path: f.relative,
        original_name: f.originalName,
        sanitized_name: f.sanitizedName,
        mime_type: f.mimeType,
        size_bytes: f.size,
        sha256: f.sha256,
        status: 'stored',
        owner_type: target.commentId ? 'comment' : 'ticket',
        owner_id: target.commentId ?? target.ticketId,
        uploaded_by: actorId,
        created_by: actorId,
        updated_by: actorId
      });
    }
    // requester_id and internal are set by the table's trigger from the ticket and the comment.
    await filesRepo.insertAttachments(
      trx,
      files.map((f) => ({ ticket_id: target.ticketId, comment_id: target.commentId, file_id: f.id, requester_id: ctx.actor.id, file_name: f.sanitizedName, mime_type: f.mimeType, size_bytes: f.size, inline: f.inline, uploaded_by: actorId, created_by: actorId, updated_by: actorId }))
    );
  }

  /**
   * kb: links uploaded files to a KB article, inside the caller's transaction. The same checks as
   * for comments: uploaded by the acting user, stored, not attached to anything yet.
   */
  async attachToKbArticle(trx: Kysely<DB>, ctx: RequestContext, input: { fileIds: string[]; articleId: string }) {
    if (!input.fileIds.length) return;
    const rows = await filesRepo.lockMany(trx, input.fileIds);
    const byId = new Map(rows.map((r) => [r.id, r]));
    input.fileIds.forEach((fid, i) => {
      const r = byId.get(fid);
      const field = `fileIds.${i}`;
      if (!r || r.uploaded_by !== ctx.actor.id || r.status !== 'stored') {
        throw new AppError('validation', `${field}: no such uploaded file of yours (upload it first)`, { fields: [{ field, message: 'no such uploaded file of yours' }] });
      }
      if (r.owner_id) throw new AppError('validation', `${field}: this file is already attached elsewhere`, { fields: [{ field, message: 'is already attached' }] });
    });
    await filesRepo.setOwner(trx, input.fileIds, { type: 'kb_article', id: input.articleId }, ctx.actor.id);
  }

  /**
   * Removes files that were uploaded but never attached (the comment was abandoned) once older
   * than `olderThanMs`, and partial uploads a crash left behind. Safe to run on several instances.
   */
  async cleanupAbandoned(opts: { olderThanMs?: number; limit?: number; now?: Date } = {}): Promise<{ files: number; partials: number }> {
    const olderThan = opts.olderThanMs ?? DAY;
    const before = new Date((opts.now ?? new Date()).getTime() - olderThan);
    const rows = await filesRepo.abandoned(this.db, before, opts.limit ?? 500);
    let files = 0;
    for (const r of rows) {
      const gone = await filesRepo.deleteIfUnattached(this.db, r.id);
      if (!gone) continue;
      await this.storage.remove(this.storage.absolute(r.storage_path)).catch(() => {});
      files++;
    }
    const partials = await this.storage.sweepTemp(Math.min(olderThan, DAY));
    if (files || partials) log.info('files cleanup', { files, partials });
    return { files, partials };
  }

  /** Runs the cleanup now and then every `everyMs` (unref'd); returns a stop function. */
  startJanitor(everyMs = 60 * 60 * 1000): () => void {
    const run = () => void this.cleanupAbandoned().catch((e) => log.warn('files cleanup failed', { error: e }));
    const first = setTimeout(run, 30_000);
    const timer = setInterval(run, everyMs);
    first.unref?.();
    timer.unref?.();
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }
}

/** SVG/XML found to carry script past the sniffed head: its own allow-list key (`…+script`). */
function scripted(d: Detected): Detected {
  return { ...d, mime: `${d.mime}+script`, label: `${d.label} with script`, category: 'active' };
}

/** How much of a refused upload is still read and discarded so the client sees the answer. */
const DRAIN_CAP_BYTES = 32 * 1024 * 1024;

function drain(reader: ReadableStreamDefaultReader<Uint8Array>, cap: number) {
  void (async () => {
    let n = 0;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) return;
        n += r.value.byteLength;
        if (n > cap) break;
      }
    } catch {
      return;
    }
    await reader.cancel().catch(() => {});
  })();
}

/** One `bytes=` range (start-end, start-, -suffix); null = whole file. */
export function parseRange(header: string | null | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}
