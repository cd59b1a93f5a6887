// The fixture corpus (tests/fixtures/email): every real-world message shape parses to the fields
// and classification its expected outcome names. The same corpus runs end to end through the
// server in tests/integration/email-ingest.test.ts.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parseEmail } from './parse';
import { classify } from '$lib/domain/email/classify';
import { trimQuoted } from '$lib/domain/email/quote';
import { cleanSubject } from '$lib/domain/email/threading';

const dir = path.resolve('tests/fixtures/email');
interface Case {
  file: string;
  outcome: 'created' | 'commented' | 'ignored';
  classification?: string;
  subject?: string;
  text?: string[];
  notText?: string[];
  htmlHas?: string[];
  htmlNot?: string[];
  fromName?: string;
  hadMessageId?: boolean;
  attachments?: { name: string; mime: string; inline: boolean }[];
  attachmentsInclude?: { name?: string; mime: string; inline?: boolean }[];
}
const { cases } = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as { cases: Case[] };
const ctx = { ownAddresses: ['support@help.example.com'], ownMessageIdDomain: 'outpost.help.example.com', loopToken: 'outpost-helpdesk' };

describe('email fixture corpus', () => {
  it('covers every fixture file', () => {
    expect(cases.map((c) => c.file).sort()).toEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort());
  });

  it.each(cases)('$file → $outcome', async (c) => {
    const raw = fs.readFileSync(path.join(dir, c.file));
    const mail = await parseEmail(raw);
    const kind = classify({ headers: mail.headers, contentType: mail.contentType, fromAddress: mail.from?.address ?? null, messageId: mail.hadMessageId ? mail.messageId : null }, ctx);
    expect(kind.kind).toBe(c.outcome === 'ignored' ? c.classification : 'normal');
    if (c.subject) expect(cleanSubject(mail.subject)).toBe(c.subject);
    const body = c.outcome === 'commented' ? trimQuoted(mail.text) : mail.text;
    for (const t of c.text ?? []) expect(body).toContain(t);
    for (const t of c.notText ?? []) expect(body).not.toContain(t);
    for (const h of c.htmlHas ?? []) expect(mail.html).toContain(h);
    for (const h of c.htmlNot ?? []) expect(mail.html ?? '').not.toContain(h);
    if (c.fromName) expect(mail.from?.name).toBe(c.fromName);
    expect(mail.hadMessageId).toBe(c.hadMessageId ?? true);
    if (c.attachments) expect(mail.attachments.map((a) => ({ name: a.fileName, mime: a.mimeType, inline: a.inline }))).toEqual(c.attachments);
    for (const a of c.attachmentsInclude ?? []) expect(mail.attachments.some((x) => x.mimeType === a.mime && (!a.name || x.fileName === a.name))).toBe(true);
  });

  it('a message without Message-ID gets the same synthetic id every time it is seen', async () => {
    const raw = fs.readFileSync(path.join(dir, '15-no-message-id.eml'));
    const [a, b] = await Promise.all([parseEmail(raw), parseEmail(Buffer.from(raw))]);
    expect(a.messageId).toMatch(/^[0-9a-f]{64}@outpost\.invalid$/);
    expect(b.messageId).toBe(a.messageId);
  });
});
