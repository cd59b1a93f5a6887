import { describe, it, expect } from 'vitest';
import { sniff, ActiveContentScanner, TYPES } from './sniff';
import { isTypeAllowed, DEFAULT_ALLOWED_TYPES } from './schemas';

const bytes = (...parts: (string | number[])[]) => {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') for (const c of p) out.push(c.charCodeAt(0) & 0xff);
    else out.push(...p);
  }
  return new Uint8Array(out);
};
const pad = (b: Uint8Array, n = 64) => {
  const out = new Uint8Array(Math.max(n, b.length));
  out.set(b);
  return out;
};
/** A ZIP local file header for an uncompressed entry. */
const zipEntry = (name: string, data = '') => {
  const n = name.length;
  const d = data.length;
  return bytes([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, d & 0xff, d >> 8, 0, 0, d & 0xff, d >> 8, 0, 0, n & 0xff, n >> 8, 0, 0], name, data);
};
const concat = (...a: Uint8Array[]) => {
  const out = new Uint8Array(a.reduce((s, x) => s + x.length, 0));
  let i = 0;
  for (const x of a) {
    out.set(x, i);
    i += x.length;
  }
  return out;
};

describe('sniff (content, never the declared type)', () => {
  it.each([
    ['png', pad(bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'image/png'],
    ['jpeg', pad(bytes([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg'],
    ['gif', pad(bytes('GIF89a')), 'image/gif'],
    ['webp', pad(bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 ')), 'image/webp'],
    ['wav', pad(bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt ')), 'audio/wav'],
    ['heic', pad(bytes([0, 0, 0, 0x18], 'ftypheic')), 'image/heic'],
    ['mp4', pad(bytes([0, 0, 0, 0x18], 'ftypisom')), 'video/mp4'],
    ['mov', pad(bytes([0, 0, 0, 0x14], 'ftypqt  ')), 'video/quicktime'],
    ['pdf', bytes('%PDF-1.7\n%âãÏÓ\n'), 'application/pdf'],
    ['gzip', pad(bytes([0x1f, 0x8b, 8])), 'application/gzip'],
    ['7z', pad(bytes([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])), 'application/x-7z-compressed'],
    ['exe', pad(bytes('MZ', [0x90, 0])), 'application/x-msdownload'],
    ['elf', pad(bytes([0x7f], 'ELF', [2, 1, 1])), 'application/x-executable'],
    ['mach-o', pad(bytes([0xcf, 0xfa, 0xed, 0xfe])), 'application/x-mach-binary'],
    ['wasm', pad(bytes([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])), 'application/wasm'],
    ['shebang', bytes('#!/bin/sh\nrm -rf /\n'), 'text/x-shellscript'],
    ['text', bytes('Printer on floor 3 jams every morning.\nTried: reboot.\n'), 'text/plain'],
    ['utf-8 text', new TextEncoder().encode('Grüße — 打印机坏了\n'), 'text/plain'],
    ['html', bytes('\n  <!DOCTYPE html><html><body>hi</body></html>'), 'text/html'],
    ['html fragment', bytes('<script>alert(1)</script>'), 'text/html'],
    ['svg', bytes('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>'), 'image/svg+xml'],
    ['svg with script', bytes('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'image/svg+xml+script'],
    ['svg with handler', bytes('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'), 'image/svg+xml+script'],
    ['xhtml', bytes('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"></html>'), 'text/html'],
    ['xml', bytes('<?xml version="1.0"?><config><a>1</a></config>'), 'application/xml'],
    ['email', bytes('Received: from mx.example\nFrom: a@b.test\nSubject: hi\n\nbody'), 'message/rfc822'],
    ['binary', pad(bytes([0, 1, 2, 3, 0, 0, 9, 200, 0])), 'application/octet-stream'],
    ['empty', new Uint8Array(0), 'text/plain']
  ])('%s', (_name, b, mime) => {
    expect(sniff(b).mime).toBe(mime);
  });

  it('tells ZIP containers apart by their entries', () => {
    expect(sniff(concat(zipEntry('[Content_Types].xml', '<x/>'), zipEntry('word/document.xml', '<w/>'))).mime).toBe(TYPES.docx.mime);
    expect(sniff(concat(zipEntry('[Content_Types].xml', '<x/>'), zipEntry('xl/workbook.xml', '<w/>'))).mime).toBe(TYPES.xlsx.mime);
    expect(sniff(zipEntry('mimetype', 'application/vnd.oasis.opendocument.text')).mime).toBe(TYPES.odt.mime);
    expect(sniff(concat(zipEntry('META-INF/MANIFEST.MF', 'Manifest-Version: 1.0'), zipEntry('a/B.class', 'x'))).mime).toBe(TYPES.jar.mime);
    expect(sniff(zipEntry('AndroidManifest.xml', 'x')).mime).toBe(TYPES.apk.mime);
    expect(sniff(zipEntry('notes.txt', 'hello')).mime).toBe('application/zip');
  });

  it('recognises a Windows installer inside an OLE compound file by its root CLSID', () => {
    const b = new Uint8Array(2048);
    b.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    b[0x1e] = 9; // 512-byte sectors
    b[0x30] = 1; // directory at sector 1 → offset 1024
    expect(sniff(b).mime).toBe('application/x-ole-storage');
    b.set([0x84, 0x10, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46], 1024 + 0x50);
    expect(sniff(b).mime).toBe('application/x-msi');
  });

});

describe('ActiveContentScanner', () => {
  it('finds script markers split across chunks, and entity-encoded javascript: URLs', () => {
    const s = new ActiveContentScanner();
    expect(s.push(bytes('<svg>' + ' '.repeat(100_000) + '<scr'))).toBe(false);
    expect(s.push(bytes('ipt>alert(1)</script></svg>'))).toBe(true);
    const e = new ActiveContentScanner();
    expect(e.push(bytes('<svg><a href="&#x6a;avascript:alert(1)">x</a></svg>'))).toBe(true);
    const clean = new ActiveContentScanner();
    expect(clean.push(bytes('<svg><rect width="10" height="10" fill="red"/><text>one=1 description</text></svg>'))).toBe(false);
  });
});

describe('isTypeAllowed', () => {
  it('executables and active content need their exact type listed; wildcards cover ordinary types', () => {
    expect(isTypeAllowed(TYPES.png, DEFAULT_ALLOWED_TYPES)).toBe(true);
    for (const t of [TYPES.exe, TYPES.elf, TYPES.html, TYPES.svgScript, TYPES.script, TYPES.msi, TYPES.binary]) expect(isTypeAllowed(t, DEFAULT_ALLOWED_TYPES), t.mime).toBe(false);
    expect(isTypeAllowed(TYPES.html, ['text/*', '*/*'])).toBe(false);
    expect(isTypeAllowed(TYPES.html, ['text/html'])).toBe(true);
    expect(isTypeAllowed(TYPES.flac, ['audio/*'])).toBe(true);
    expect(isTypeAllowed(TYPES.svgScript, ['image/svg+xml'])).toBe(false);
  });
});
