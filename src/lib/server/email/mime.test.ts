// composeMime (the delivered MIME text of a stored outbound row) read back by mailparser, the
// parser the ingest uses: every field a receiving client threads and displays by survives, with
// non-ASCII text, long lines and a header injection attempt; what it does not cover returns null.
import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { composeMime, type MimeInput } from './mime';

const base: MimeInput = {
  from: { name: 'Support Désk, Inc.', address: 'support@help.example.com' },
  to: ['zoe@customer.example'],
  cc: ['boss@customer.example', 'it@customer.example'],
  replyTo: 'support+t12.0123456789abcdef0123@help.example.com',
  subject: 'Re: [#12] Imprimante bloquée — étage 3, encore une fois, depuis ce matin à 9 h',
  text: '-- Reply above this line --\n\nHello Zoë,\n\ntrailing space \n' + 'a long line '.repeat(20) + '\n',
  html: '<p>Héllo <b>Zoë</b></p>\n<p>' + 'y'.repeat(300) + '</p>',
  messageId: 'outpost.0192-abcd@help.example.com',
  inReplyTo: 'orig.1@customer.example',
  references: Array.from({ length: 6 }, (_, i) => `ref${i}.a-rather-long-identifier@customer.example`),
  headers: { 'X-Loop': 'outpost-0123456789ab', 'X-Outpost-Template': 'ticket.received', 'Auto-Submitted': 'auto-replied', 'X-Outpost-Ticket': '12' },
  date: new Date('2026-11-26T10:00:00Z')
};

describe('composeMime', () => {
  it('round-trips through mailparser: addresses, subject, ids, our headers, both parts', async () => {
    const raw = composeMime(base)!;
    expect(raw.toString()).toMatch(/^[\t\r\n\x20-\x7e]*$/); // 7-bit on the wire
    for (const line of raw.toString().split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    const m = await simpleParser(raw);
    expect(m.from?.value).toEqual([{ address: 'support@help.example.com', name: 'Support Désk, Inc.' }]);
    expect((Array.isArray(m.to) ? m.to : [m.to!]).flatMap((a) => a.value.map((v) => v.address))).toEqual(['zoe@customer.example']);
    expect((Array.isArray(m.cc) ? m.cc : [m.cc!]).flatMap((a) => a.value.map((v) => v.address))).toEqual(base.cc);
    expect(m.replyTo?.value[0].address).toBe(base.replyTo);
    expect(m.subject).toBe(base.subject);
    expect(m.messageId).toBe(`<${base.messageId}>`);
    expect(m.inReplyTo).toBe('<orig.1@customer.example>');
    expect(m.references).toEqual(base.references.map((r) => `<${r}>`));
    expect(m.date?.toISOString()).toBe('2026-11-26T10:00:00.000Z');
    expect(m.headers.get('x-loop')).toBe('outpost-0123456789ab');
    expect(m.headers.get('auto-submitted')).toBe('auto-replied');
    expect(m.headers.get('x-outpost-ticket')).toBe('12');
    expect(m.text).toBe(base.text);
    expect(m.html).toBe(base.html);
  });

  it('text only when there is no HTML; a CR/LF in a header value cannot add a header', async () => {
    const raw = composeMime({ ...base, html: null, cc: [], subject: 'Hi\r\nBcc: victim@evil.example', headers: { 'X-Outpost-Template': 'a\nX-Injected: 1' } })!;
    const m = await simpleParser(raw);
    expect(m.html).toBe(false);
    expect(m.text).toBe(base.text);
    expect(m.subject).toBe('Hi Bcc: victim@evil.example');
    expect(m.headers.has('bcc')).toBe(false);
    expect(m.headers.has('x-injected')).toBe(false);
    expect(m.headers.get('content-type')).toMatchObject({ value: 'text/plain' });
  });

  it('returns null for what nodemailer must handle (an internationalised or odd address)', () => {
    expect(composeMime({ ...base, to: ['zoë@jõgeva.ee'] })).toBeNull();
    expect(composeMime({ ...base, cc: ['"a,b"@customer.example'] })).toBeNull();
    expect(composeMime({ ...base, to: [] })).toBeNull();
  });
});
