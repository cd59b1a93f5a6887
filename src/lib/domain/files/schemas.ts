// Files: the upload's request headers, the metadata a client sees, the type allow-list rules
// and where files live (storage kinds). Pure; the streaming lives in src/lib/server/files.
import { z } from 'zod';
import type { Detected } from './sniff';

/** Storage areas: the `{type}` of `{dataDir}/{type}/{yyyy}/{mm}/{uuid}`. Never user input. */
export const STORAGE_KINDS = ['attachments', 'email', 'avatars', 'kb', 'exports'] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];

/** An allow-list entry: an exact media type, or `type/*` (which never matches executables or active content). */
export const AllowedTypeEntry = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9.+-]*\/([a-z0-9][a-z0-9.+-]*|\*)$/, 'must be a media type such as image/png or image/*');

export const AllowedTypes = z.array(AllowedTypeEntry).max(200, 'has more than 200 entries');

/** The default allow-list (setting `files.allowedTypes`): everyday evidence and documents, nothing that runs. */
export const DEFAULT_ALLOWED_TYPES = [
  'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp', 'image/tiff', 'image/heic', 'image/avif', 'image/svg+xml', 'image/x-icon',
  'video/mp4', 'video/quicktime', 'video/webm',
  'audio/mpeg', 'audio/mp4', 'audio/wav', 'audio/ogg',
  'application/pdf', 'application/rtf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet', 'application/vnd.oasis.opendocument.presentation',
  'application/x-ole-storage', 'message/rfc822',
  'application/zip', 'application/gzip', 'application/x-7z-compressed', 'application/x-tar',
  'text/plain', 'application/xml'
];

/**
 * Whether the detected type may be stored. Executables and active content (HTML, scripted SVG)
 * pass only when their exact type is listed; wildcards cover the rest of a top-level type.
 */
export function isTypeAllowed(detected: Pick<Detected, 'mime' | 'category'>, allowed: readonly string[]): boolean {
  if (allowed.includes(detected.mime)) return true;
  if (detected.category === 'executable' || detected.category === 'active') return false;
  const top = detected.mime.split('/')[0];
  return allowed.includes(`${top}/*`) || allowed.includes('*/*');
}

/** Upload headers (`POST /api/v1/files`, raw body). */
export const UploadHeaders = z.object({
  /** Percent-encoded UTF-8 file name (`encodeURIComponent(file.name)`). */
  'x-filename': z.string().max(4096, 'is longer than 4096 characters').optional(),
  /** Optional client-generated UUIDv7 for the file (offline queue): a retried upload with the same id is answered with the stored file. */
  'x-file-id': z.uuid({ message: 'must be a uuid' }).optional(),
  'content-length': z.coerce.number().int().min(0).optional()
});

export const FileIdParam = z.object({ id: z.uuid({ message: 'must be a uuid' }) });

export const FileMeta = z
  .object({
    id: z.uuid(),
    name: z.string(),
    mimeType: z.string(),
    sizeBytes: z.number().int(),
    sha256: z.string().nullable(),
    createdAt: z.iso.datetime(),
    uploadedBy: z.uuid().nullable(),
    /** What the file is attached to (null while unattached). */
    owner: z.object({ type: z.string(), id: z.uuid() }).nullable(),
    ticketId: z.uuid().nullable().optional(),
    commentId: z.uuid().nullable().optional(),
    internal: z.boolean().optional()
  })
  .meta({ id: 'FileMeta' });
export type FileMeta = z.infer<typeof FileMeta>;

/** Attachment ids a comment carries (uploaded first by the same user, not attached yet). */
export const AttachmentIds = z
  .array(z.uuid({ message: 'must be a file id' }))
  .max(20, 'has more than 20 files')
  .refine((a) => new Set(a).size === a.length, 'lists a file twice');
