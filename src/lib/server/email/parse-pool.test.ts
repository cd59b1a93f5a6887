// Large messages parse on a worker thread: the result must be the one the inline parse gives
// (same hashes, addresses, text, attachment bytes), and a broken worker job fails cleanly.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parseEmail } from './parse';
import { parsePool, WORKER_THRESHOLD } from './parse-pool';

function bigMessage(bytes: number) {
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
  const b64 = data.toString('base64').replace(/.{76}/g, '$&\r\n');
  const raw = [
    'From: "Jürgen Müller" <juergen@kunde.example>',
    'To: support@help.example.com, Ops <ops@help.example.com>',
    'Subject: =?UTF-8?Q?Gro=C3=9Fe_Datei?=',
    'Message-ID: <big-1@kunde.example>',
    'In-Reply-To: <outpost.x@help.example.com>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Siehe <b>Anhang</b><script>alert(1)</script></p>',
    '--b',
    'Content-Type: application/octet-stream; name="daten.bin"',
    'Content-Disposition: attachment; filename="daten.bin"',
    'Content-Transfer-Encoding: base64',
    '',
    b64,
    '--b--',
    ''
  ].join('\r\n');
  return { raw: Buffer.from(raw), data };
}

describe('parse worker pool', () => {
  afterAll(() => parsePool().close());

  it('gives the same result as the inline parse, with the attachment bytes', async () => {
    const { raw, data } = bigMessage(2 * 1024 * 1024);
    expect(raw.length).toBeGreaterThan(WORKER_THRESHOLD);
    const [worker, inline] = await Promise.all([parseEmail(raw), parseEmail(raw, { inline: true })]);
    const strip = (m: typeof worker) => ({ ...m, headers: [...m.headers], attachments: m.attachments.map((a) => ({ ...a, content: a.content.length })) });
    expect(strip(worker)).toEqual(strip(inline));
    expect(worker.subject).toBe('Große Datei');
    expect(worker.html).not.toContain('script');
    expect(worker.attachments[0]).toMatchObject({ fileName: 'daten.bin', size: data.length });
    expect(Buffer.compare(worker.attachments[0].content, data)).toBe(0);
  });

  it('parses several large messages concurrently and the corpus still parses inline', async () => {
    const msgs = [1, 2, 3].map((n) => bigMessage(300_000 + n * 1000).raw);
    const out = await Promise.all(msgs.map((m) => parseEmail(m)));
    expect(out.map((o) => o.attachments[0].size)).toEqual([301_000, 302_000, 303_000]);
    const small = fs.readFileSync(path.resolve('tests/fixtures/email/09-attachment-non-ascii.eml'));
    expect((await parseEmail(small)).attachments.length).toBeGreaterThan(0);
  });
});
