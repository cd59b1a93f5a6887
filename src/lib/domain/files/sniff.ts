// Content sniffing: what a file IS, decided from its bytes (magic numbers, container entries, the
// start of text). The declared Content-Type and the file name are never trusted. Pure: it reads
// the first bytes of an upload (`SNIFF_BYTES`), plus a streaming scanner for active content
// (script) inside SVG/XML, which can appear anywhere in the file.

/** How many leading bytes the sniffer looks at. */
export const SNIFF_BYTES = 64 * 1024;

export type FileCategory = 'image' | 'video' | 'audio' | 'document' | 'archive' | 'text' | 'executable' | 'active' | 'unknown';

export interface Detected {
  /** The detected media type (the allow-list key). Scripted SVG is `image/svg+xml+script`. */
  mime: string;
  /** Canonical file extension, without the dot. */
  ext: string;
  /** Human description for error messages. */
  label: string;
  category: FileCategory;
}

const T = (mime: string, ext: string, label: string, category: FileCategory): Detected => ({ mime, ext, label, category });

export const TYPES = {
  png: T('image/png', 'png', 'PNG image', 'image'),
  jpeg: T('image/jpeg', 'jpg', 'JPEG image', 'image'),
  gif: T('image/gif', 'gif', 'GIF image', 'image'),
  webp: T('image/webp', 'webp', 'WebP image', 'image'),
  bmp: T('image/bmp', 'bmp', 'BMP image', 'image'),
  tiff: T('image/tiff', 'tif', 'TIFF image', 'image'),
  ico: T('image/x-icon', 'ico', 'icon', 'image'),
  heic: T('image/heic', 'heic', 'HEIC image', 'image'),
  avif: T('image/avif', 'avif', 'AVIF image', 'image'),
  svg: T('image/svg+xml', 'svg', 'SVG image', 'image'),
  svgScript: T('image/svg+xml+script', 'svg', 'SVG image with script', 'active'),
  mp4: T('video/mp4', 'mp4', 'MP4 video', 'video'),
  mov: T('video/quicktime', 'mov', 'QuickTime video', 'video'),
  webm: T('video/webm', 'webm', 'WebM/Matroska video', 'video'),
  avi: T('video/x-msvideo', 'avi', 'AVI video', 'video'),
  mp3: T('audio/mpeg', 'mp3', 'MP3 audio', 'audio'),
  m4a: T('audio/mp4', 'm4a', 'MPEG-4 audio', 'audio'),
  wav: T('audio/wav', 'wav', 'WAV audio', 'audio'),
  ogg: T('audio/ogg', 'ogg', 'Ogg audio', 'audio'),
  flac: T('audio/flac', 'flac', 'FLAC audio', 'audio'),
  pdf: T('application/pdf', 'pdf', 'PDF document', 'document'),
  rtf: T('application/rtf', 'rtf', 'RTF document', 'document'),
  postscript: T('application/postscript', 'ps', 'PostScript document', 'document'),
  docx: T('application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx', 'Word document', 'document'),
  xlsx: T('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx', 'Excel workbook', 'document'),
  pptx: T('application/vnd.openxmlformats-officedocument.presentationml.presentation', 'pptx', 'PowerPoint presentation', 'document'),
  odt: T('application/vnd.oasis.opendocument.text', 'odt', 'OpenDocument text', 'document'),
  ods: T('application/vnd.oasis.opendocument.spreadsheet', 'ods', 'OpenDocument spreadsheet', 'document'),
  odp: T('application/vnd.oasis.opendocument.presentation', 'odp', 'OpenDocument presentation', 'document'),
  cfb: T('application/x-ole-storage', 'doc', 'Office 97–2003 document or Outlook message', 'document'),
  eml: T('message/rfc822', 'eml', 'email message', 'document'),
  zip: T('application/zip', 'zip', 'ZIP archive', 'archive'),
  gzip: T('application/gzip', 'gz', 'gzip archive', 'archive'),
  sevenZip: T('application/x-7z-compressed', '7z', '7-Zip archive', 'archive'),
  rar: T('application/vnd.rar', 'rar', 'RAR archive', 'archive'),
  tar: T('application/x-tar', 'tar', 'tar archive', 'archive'),
  bzip2: T('application/x-bzip2', 'bz2', 'bzip2 archive', 'archive'),
  xz: T('application/x-xz', 'xz', 'xz archive', 'archive'),
  text: T('text/plain', 'txt', 'plain text', 'text'),
  xml: T('application/xml', 'xml', 'XML document', 'text'),
  html: T('text/html', 'html', 'HTML page', 'active'),
  exe: T('application/x-msdownload', 'exe', 'Windows executable', 'executable'),
  msi: T('application/x-msi', 'msi', 'Windows installer', 'executable'),
  lnk: T('application/x-ms-shortcut', 'lnk', 'Windows shortcut', 'executable'),
  elf: T('application/x-executable', 'bin', 'Linux/Unix executable', 'executable'),
  macho: T('application/x-mach-binary', 'bin', 'macOS executable', 'executable'),
  javaClass: T('application/java-vm', 'class', 'Java class or macOS universal binary', 'executable'),
  jar: T('application/java-archive', 'jar', 'Java archive', 'executable'),
  apk: T('application/vnd.android.package-archive', 'apk', 'Android package', 'executable'),
  dex: T('application/x-dex', 'dex', 'Android Dalvik executable', 'executable'),
  wasm: T('application/wasm', 'wasm', 'WebAssembly module', 'executable'),
  script: T('text/x-shellscript', 'sh', 'script with an interpreter line (#!)', 'executable'),
  binary: T('application/octet-stream', 'bin', 'unrecognised binary data', 'unknown')
} as const satisfies Record<string, Detected>;

const ascii = (b: Uint8Array, start: number, end: number) => {
  let s = '';
  for (let i = start; i < Math.min(end, b.length); i++) s += String.fromCharCode(b[i]);
  return s;
};
const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) => b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);
const u16le = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8);
const u32le = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;

/** ISO base media (MP4, MOV, HEIC, AVIF, M4A): `ftyp` box with a major brand. */
function isoBmff(b: Uint8Array): Detected | null {
  if (ascii(b, 4, 8) !== 'ftyp') return null;
  const brand = ascii(b, 8, 12).toLowerCase();
  if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return TYPES.heic;
  if (brand === 'avif' || brand === 'avis') return TYPES.avif;
  if (brand === 'qt  ') return TYPES.mov;
  if (brand === 'm4a ' || brand === 'm4b ' || brand === 'm4p ') return TYPES.m4a;
  return TYPES.mp4;
}

/** ZIP containers: Office Open XML, OpenDocument, Java/Android packages or a plain archive. */
function zipKind(b: Uint8Array): Detected {
  // OpenDocument: the first entry is an uncompressed `mimetype` naming the type.
  const nameLen = u16le(b, 26);
  const extraLen = u16le(b, 28);
  const first = ascii(b, 30, 30 + nameLen);
  if (first === 'mimetype') {
    const m = ascii(b, 30 + nameLen + extraLen, 30 + nameLen + extraLen + 80);
    if (m.startsWith('application/vnd.oasis.opendocument.text')) return TYPES.odt;
    if (m.startsWith('application/vnd.oasis.opendocument.spreadsheet')) return TYPES.ods;
    if (m.startsWith('application/vnd.oasis.opendocument.presentation')) return TYPES.odp;
  }
  // Otherwise look at the entry names of the local headers within the sniffed bytes.
  const names: string[] = [];
  for (let at = 0; at + 30 <= b.length && names.length < 200; ) {
    if (!startsWith(b, [0x50, 0x4b, 0x03, 0x04], at)) break;
    const flags = u16le(b, at + 6);
    const size = u32le(b, at + 18);
    const n = u16le(b, at + 26);
    const x = u16le(b, at + 28);
    names.push(ascii(b, at + 30, at + 30 + n));
    // With a data descriptor (bit 3) the size is unknown here: stop walking.
    if (flags & 0x08) break;
    at += 30 + n + x + size;
  }
  const any = (re: RegExp) => names.some((n) => re.test(n));
  if (any(/^AndroidManifest\.xml$/) || any(/^classes\.dex$/)) return TYPES.apk;
  if (any(/^META-INF\/MANIFEST\.MF$/i) || any(/\.class$/)) return TYPES.jar;
  if (any(/^word\//)) return TYPES.docx;
  if (any(/^xl\//)) return TYPES.xlsx;
  if (any(/^ppt\//)) return TYPES.pptx;
  return TYPES.zip;
}

/** OLE compound file: Office 97–2003 and Outlook .msg, unless the root CLSID says Windows Installer. */
function cfbKind(b: Uint8Array): Detected {
  const sectorShift = u16le(b, 0x1e);
  const firstDir = u32le(b, 0x30);
  if (sectorShift === 9 || sectorShift === 12) {
    const at = (firstDir + 1) * 2 ** sectorShift;
    if (at + 0x60 <= b.length) {
      // Root entry CLSID {000C1084|000C1086-0000-0000-C000-000000000046} = .msi / .msp
      const c = b.subarray(at + 0x50, at + 0x60);
      const tail = [0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46];
      if ((c[0] === 0x84 || c[0] === 0x86) && c[1] === 0x10 && tail.every((x, i) => c[2 + i] === x)) return TYPES.msi;
    }
  }
  return TYPES.cfb;
}

const HTML_START = /^<(!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--|meta|link|form|img|object|embed)[\s>/]/i;
const EMAIL_HEADER = /^(received|return-path|from|mime-version|message-id|delivered-to|x-[a-z-]+|date|subject|to):[ \t]/i;

/** True when the bytes look like text (UTF-8/Latin-1/UTF-16 with a BOM, no stray control bytes). */
function textOf(b: Uint8Array): string | null {
  if (startsWith(b, [0xff, 0xfe]) || startsWith(b, [0xfe, 0xff])) {
    const le = b[0] === 0xff;
    let s = '';
    for (let i = 2; i + 1 < b.length && s.length < 4096; i += 2) s += String.fromCharCode(le ? b[i] | (b[i + 1] << 8) : (b[i] << 8) | b[i + 1]);
    return s;
  }
  let bad = 0;
  for (const x of b) {
    if (x === 0) return null;
    if ((x < 0x20 && x !== 0x09 && x !== 0x0a && x !== 0x0d && x !== 0x0c && x !== 0x1b) || x === 0x7f) bad++;
  }
  if (bad > b.length / 100 + 1) return null;
  try {
    return new TextDecoder('utf-8', { fatal: false }).decode(b);
  } catch {
    return null;
  }
}

function textKind(text: string): Detected {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  const lower = t.slice(0, 4096).toLowerCase();
  if (t.startsWith('#!')) return TYPES.script;
  if (lower.startsWith('<?xml') || lower.startsWith('<!doctype svg') || lower.startsWith('<svg')) {
    // The root element decides: SVG, XHTML, or other XML.
    const root = /<(?!\?|!)([a-z][\w:.-]*)/i.exec(lower.replace(/<!--[\s\S]*?-->/g, ''))?.[1];
    if (root === 'svg' || root?.endsWith(':svg')) return activeContentIn(t) ? TYPES.svgScript : TYPES.svg;
    if (root === 'html' || root?.endsWith(':html')) return TYPES.html;
    return TYPES.xml;
  }
  if (HTML_START.test(t)) return TYPES.html;
  if (t.startsWith('%!PS')) return TYPES.postscript;
  if (t.startsWith('{\\rtf')) return TYPES.rtf;
  const lines = t.split(/\r?\n/, 3);
  if (lines.length >= 2 && EMAIL_HEADER.test(lines[0]) && /^([\w-]+:[ \t]|[ \t])/.test(lines[1])) return TYPES.eml;
  return TYPES.text;
}

/** Detects the type of a file from its first bytes (give at least `SNIFF_BYTES` when there are that many). */
export function sniff(head: Uint8Array): Detected {
  const b = head;
  if (b.length === 0) return TYPES.text;
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return TYPES.png;
  if (startsWith(b, [0xff, 0xd8, 0xff])) return TYPES.jpeg;
  const a6 = ascii(b, 0, 6);
  if (a6 === 'GIF87a' || a6 === 'GIF89a') return TYPES.gif;
  if (ascii(b, 0, 4) === 'RIFF') {
    const kind = ascii(b, 8, 12);
    if (kind === 'WEBP') return TYPES.webp;
    if (kind === 'WAVE') return TYPES.wav;
    if (kind === 'AVI ') return TYPES.avi;
  }
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return TYPES.tiff;
  if (startsWith(b, [0x00, 0x00, 0x01, 0x00]) && b.length > 6 && b[4] > 0) return TYPES.ico;
  const iso = isoBmff(b);
  if (iso) return iso;
  if (startsWith(b, [0x1a, 0x45, 0xdf, 0xa3])) return TYPES.webm;
  if (ascii(b, 0, 5) === '%PDF-') return TYPES.pdf;
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04])) return zipKind(b);
  if (startsWith(b, [0x50, 0x4b, 0x05, 0x06])) return TYPES.zip;
  if (startsWith(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return cfbKind(b);
  if (startsWith(b, [0x1f, 0x8b])) return TYPES.gzip;
  if (startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return TYPES.sevenZip;
  if (ascii(b, 0, 6) === 'Rar!\x1a\x07') return TYPES.rar;
  if (ascii(b, 257, 262) === 'ustar') return TYPES.tar;
  if (ascii(b, 0, 3) === 'BZh' && b[3] >= 0x31 && b[3] <= 0x39) return TYPES.bzip2;
  if (startsWith(b, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return TYPES.xz;
  if (ascii(b, 0, 4) === 'OggS') return TYPES.ogg;
  if (ascii(b, 0, 4) === 'fLaC') return TYPES.flac;
  if (ascii(b, 0, 3) === 'ID3' || (b.length > 2 && b[0] === 0xff && (b[1] & 0xe6) === 0xe2 && (b[2] & 0xf0) !== 0xf0)) return TYPES.mp3;
  // Executables and code.
  if (ascii(b, 0, 2) === 'MZ') return TYPES.exe;
  if (startsWith(b, [0x7f, 0x45, 0x4c, 0x46])) return TYPES.elf;
  if ([[0xfe, 0xed, 0xfa, 0xce], [0xfe, 0xed, 0xfa, 0xcf], [0xce, 0xfa, 0xed, 0xfe], [0xcf, 0xfa, 0xed, 0xfe]].some((s) => startsWith(b, s))) return TYPES.macho;
  if (startsWith(b, [0xca, 0xfe, 0xba, 0xbe])) return TYPES.javaClass;
  if (startsWith(b, [0x00, 0x61, 0x73, 0x6d])) return TYPES.wasm;
  if (ascii(b, 0, 4) === 'dex\n') return TYPES.dex;
  if (startsWith(b, [0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00])) return TYPES.lnk;
  if (ascii(b, 0, 2) === 'BM' && b.length >= 26 && u32le(b, 14) >= 12 && u32le(b, 14) <= 124) return TYPES.bmp;
  const text = textOf(b);
  return text === null ? TYPES.binary : textKind(text);
}

// ─── Active content inside SVG/XML ────────────────────────────────────────────────────────────
// Markers of script or of documents that can run script when rendered: <script>, on*= event
// handlers, javascript:/data:text/html URLs, embedded HTML (foreignObject, iframe, object,
// embed), and DTD entities (entity expansion attacks).
const ACTIVE = /<script[\s>/]|<foreignobject[\s>/]|<iframe[\s>/]|<object[\s>/]|<embed[\s>/]|<!entity|<handler[\s>/]|\son[a-z]+\s*=|(java|vb)script\s*:|data\s*:\s*text\/html|<xsl:|<\?xml-stylesheet/i;

export function activeContentIn(text: string): boolean {
  return ACTIVE.test(text);
}

/**
 * Scans a stream chunk by chunk for active content (for SVG, where a script can be anywhere).
 * Keeps a small overlap so a marker split across two chunks is still found.
 */
export class ActiveContentScanner {
  #tail = '';
  found = false;
  static readonly OVERLAP = 64;

  push(chunk: Uint8Array): boolean {
    if (this.found) return true;
    let s = '';
    // Latin-1 decoding is byte-exact and enough for the ASCII markers.
    for (let i = 0; i < chunk.length; i += 8192) s += String.fromCharCode(...chunk.subarray(i, i + 8192));
    const text = this.#tail + s;
    // Entities such as &#x6a; could spell `javascript:`; decode numeric references before testing.
    const decoded = text.replace(/&#x([0-9a-f]{1,6});?|&#(\d{1,7});?/gi, (_, h: string | undefined, d: string | undefined) => {
      const n = h ? parseInt(h, 16) : Number(d);
      return n > 0 && n < 0x110000 ? String.fromCodePoint(n) : '';
    });
    this.found = activeContentIn(decoded);
    this.#tail = text.slice(-ActiveContentScanner.OVERLAP);
    return this.found;
  }
}
