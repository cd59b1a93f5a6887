// File names as users send them are display text, never paths: storage paths are built from
// server-chosen parts only (see storage.ts). What is kept for display and download is cleaned
// here: no path separators or traversal, no control, bidirectional-override or invisible
// characters, no Windows-reserved names or characters, bounded length, and an extension that
// matches what the content really is (a PNG called `invoice.html` is served as `invoice.html.png`).
import type { Detected } from './sniff';

/** Longest stored name, in UTF-8 bytes (common file-system limit). */
export const MAX_NAME_BYTES = 255;

// C0/C1 controls and DEL; bidi embeddings/overrides/isolates and marks; zero-width and other
// invisible format characters (all of \p{Cf}), line/paragraph separators.
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
const WINDOWS_RESERVED_CHARS = /[<>:"|?*]/g;
const WINDOWS_RESERVED_NAMES = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\.|$)/i;

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** Cuts `s` to at most `max` UTF-8 bytes without splitting a character. */
function truncateBytes(s: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = utf8Length(ch);
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/**
 * Decodes the name a client sent in the `X-Filename` header: percent-encoded UTF-8 (as
 * `encodeURIComponent` makes it). A malformed escape keeps the raw text.
 */
export function decodeHeaderName(raw: string | null | undefined): string {
  if (!raw) return '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function splitExt(name: string): { stem: string; ext: string } {
  const i = name.lastIndexOf('.');
  if (i <= 0 || i === name.length - 1) return { stem: name, ext: '' };
  const ext = name.slice(i + 1);
  // Only short alphanumeric suffixes count as extensions.
  return /^[\p{L}\p{N}]{1,10}$/u.test(ext) ? { stem: name.slice(0, i), ext } : { stem: name, ext: '' };
}

/** A safe display/download name for any user-supplied name (never empty). */
export function sanitizeFileName(input: string, fallback = 'file'): string {
  let s = input.normalize('NFC').replace(/[\t\n\r\v\f]/g, ' ').replace(INVISIBLE, '');
  // Keep the last path segment only: `../../etc/passwd`, `C:\\x\\y.exe`, `/abs/name`.
  const parts = s.split(/[/\\]+/);
  s = parts[parts.length - 1] ?? '';
  s = s.replace(WINDOWS_RESERVED_CHARS, '_').replace(/\s+/g, ' ');
  // Leading dots (hidden files, `..`) and trailing dots/spaces (Windows strips them) go.
  s = s.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (WINDOWS_RESERVED_NAMES.test(s)) s = `_${s}`;
  if (!s) s = fallback;
  if (utf8Length(s) > MAX_NAME_BYTES) {
    const { stem, ext } = splitExt(s);
    const suffix = ext ? `.${ext}` : '';
    s = truncateBytes(stem, MAX_NAME_BYTES - utf8Length(suffix)).replace(/[.\s]+$/, '') + suffix;
  }
  return s;
}

/** Extensions that may stand for each detected type; another extension gets the canonical one appended. */
const EXTENSIONS: Record<string, readonly string[]> = {
  'image/jpeg': ['jpg', 'jpeg', 'jpe', 'jfif'],
  'image/tiff': ['tif', 'tiff'],
  'image/heic': ['heic', 'heif'],
  'video/mp4': ['mp4', 'm4v', '3gp', '3g2'],
  'video/webm': ['webm', 'mkv'],
  'audio/mpeg': ['mp3'],
  'audio/mp4': ['m4a', 'm4b', 'aac'],
  'audio/ogg': ['ogg', 'oga', 'opus'],
  'application/gzip': ['gz', 'tgz'],
  'application/x-ole-storage': ['doc', 'xls', 'ppt', 'msg', 'vsd', 'pub'],
  'message/rfc822': ['eml', 'txt'],
  'text/plain': ['txt', 'log', 'csv', 'tsv', 'md', 'json', 'yaml', 'yml', 'ini', 'conf', 'cfg', 'sql', 'xml', 'diff', 'patch'],
  'application/xml': ['xml', 'txt'],
  'application/postscript': ['ps', 'eps']
};

/** The name with an extension that matches the detected content. */
export function alignExtension(name: string, detected: Detected): string {
  const { ext } = splitExt(name);
  const ok = EXTENSIONS[detected.mime] ?? [detected.ext];
  if (ext && ok.includes(ext.toLowerCase())) return name;
  const suffix = `.${detected.ext}`;
  return utf8Length(name) + suffix.length > MAX_NAME_BYTES ? truncateBytes(name, MAX_NAME_BYTES - suffix.length) + suffix : name + suffix;
}

/**
 * `Content-Disposition: attachment` with an ASCII fallback `filename` and the exact name in
 * `filename*=UTF-8''…` (RFC 6266 / RFC 8187).
 */
export function contentDisposition(name: string, type: 'attachment' | 'inline' = 'attachment'): string {
  const fallback = name.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').replace(/["\\%;]/g, '_').trim() || 'file';
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
