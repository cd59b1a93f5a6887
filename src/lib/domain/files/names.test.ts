import { describe, it, expect } from 'vitest';
import { sanitizeFileName, alignExtension, contentDisposition, decodeHeaderName, MAX_NAME_BYTES } from './names';
import { TYPES } from './sniff';

describe('sanitizeFileName', () => {
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\Windows\\System32\\evil.dll', 'evil.dll'],
    ['/absolute/path/report.pdf', 'report.pdf'],
    ['C:\\Users\\me\\photo.jpg', 'photo.jpg'],
    ['..', 'file'],
    ['', 'file'],
    ['.htaccess', 'htaccess'],
    ['report.pdf...   ', 'report.pdf'],
    ['a\u0000b\u0007c\u001b.txt', 'abc.txt'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['zero\u200Bwidth\uFEFF.png', 'zerowidth.png'],
    ['line\nbreak\r.txt', 'line break .txt'],
    ['what?<is>*this|:"', 'what__is__this___'],
    ['CON', '_CON'],
    ['lpt1.txt', '_lpt1.txt'],
    ['Grüße — 打印机.png', 'Grüße — 打印机.png'],
    ['tabs\tand   spaces.txt', 'tabs and spaces.txt']
  ])('%j → %j', (input, out) => {
    expect(sanitizeFileName(input)).toBe(out);
  });

  it('decodes percent-encoded separators before cleaning (encoded traversal)', () => {
    expect(sanitizeFileName(decodeHeaderName('..%2F..%2Fetc%2Fpasswd'))).toBe('passwd');
    expect(sanitizeFileName(decodeHeaderName('..%5C..%5Cboot.ini'))).toBe('boot.ini');
    expect(decodeHeaderName('%E0%A4%A')).toBe('%E0%A4%A');
  });

  it('bounds the length in UTF-8 bytes and keeps the extension', () => {
    const long = '打'.repeat(200) + '.pdf';
    const out = sanitizeFileName(long);
    expect(new TextEncoder().encode(out).length).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(out.endsWith('.pdf')).toBe(true);
    expect(out.startsWith('打打')).toBe(true);
  });
});

describe('alignExtension', () => {
  it('keeps a matching extension and appends the real one otherwise', () => {
    expect(alignExtension('photo.JPG', TYPES.jpeg)).toBe('photo.JPG');
    expect(alignExtension('photo.jpeg', TYPES.jpeg)).toBe('photo.jpeg');
    expect(alignExtension('invoice.html', TYPES.png)).toBe('invoice.html.png');
    expect(alignExtension('notes', TYPES.text)).toBe('notes.txt');
    expect(alignExtension('data.csv', TYPES.text)).toBe('data.csv');
    expect(alignExtension('page.htm', TYPES.text)).toBe('page.htm.txt');
  });
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the exact UTF-8 name', () => {
    expect(contentDisposition('Grüße "1".pdf')).toBe(`attachment; filename="Grue _1_.pdf"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%221%22.pdf`);
  });
  it('never lets a name break out of the header', () => {
    const h = contentDisposition('a";\r\nSet-Cookie: x=1; b\'(c).txt');
    expect(h).not.toMatch(/[\r\n]/);
    expect(h).toMatch(/^attachment; filename="[^"]*"; filename\*=UTF-8''[A-Za-z0-9%._~!-]+$/);
  });
});
