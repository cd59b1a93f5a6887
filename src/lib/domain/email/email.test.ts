import { describe, expect, it } from 'vitest';
import { classify, type ClassifyInput } from './classify';
import { trimQuoted } from './quote';
import { cleanSubject, normalizeMessageId, parseIdList, parseReplyTag, splitPlusAddress, subjectTicketNumber } from './threading';

const ctx = { ownAddresses: ['support@help.example.com'], ownMessageIdDomain: 'mail.help.example.com', loopToken: 'outpost-x' };
const msg = (headers: Record<string, string | string[]>, extra: Partial<ClassifyInput> = {}): ClassifyInput => ({
  headers: new Map(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
  contentType: 'text/plain',
  fromAddress: 'ann@customer.example',
  messageId: 'abc@customer.example',
  ...extra
});

describe('classify', () => {
  it.each([
    [{ 'auto-submitted': 'auto-replied' }, 'auto_reply'],
    [{ 'auto-submitted': 'no' }, 'normal'],
    [{ 'x-autoreply': 'yes' }, 'auto_reply'],
    [{ precedence: 'junk' }, 'auto_reply'],
    [{ precedence: 'list' }, 'auto_reply'],
    [{ 'x-auto-response-suppress': 'OOF, AutoReply' }, 'auto_reply'],
    [{ 'x-loop': 'outpost-x' }, 'loop'],
    [{ received: Array.from({ length: 31 }, () => 'from a by b') }, 'loop'],
    [{ received: Array.from({ length: 5 }, () => 'from a by b') }, 'normal']
  ] as const)('%j → %s', (h, kind) => {
    expect(classify(msg(h as Record<string, string | string[]>), ctx).kind).toBe(kind);
  });
  it('recognises our own sender, our own Message-ID and DSN reports', () => {
    expect(classify(msg({}, { fromAddress: 'support@help.example.com' }), ctx).kind).toBe('loop');
    expect(classify(msg({}, { messageId: 'outpost.ticket.1@mail.help.example.com' }), ctx).kind).toBe('loop');
    expect(classify(msg({}, { messageId: '1234.abc@mail.help.example.com' }), ctx).kind).toBe('normal');
    expect(classify(msg({}, { contentType: 'multipart/report; report-type=delivery-status' }), ctx).kind).toBe('bounce');
    expect(classify(msg({}, { fromAddress: 'mailer-daemon@mx.example' }), ctx).kind).toBe('bounce');
  });
});

describe('trimQuoted', () => {
  it('cuts Gmail, Apple Mail (wrapped "wrote:") and Outlook histories', () => {
    expect(trimQuoted('New text\n\nOn Tue, 3 Mar 2026 at 10:58, Ann <a@x.org> wrote:\n> old')).toBe('New text');
    expect(trimQuoted('Fine now.\n\nOn 3 Mar 2026, at 10:58, Ann Lee\n<ann@x.org> wrote:\n\n> old')).toBe('Fine now.');
    expect(trimQuoted('Same here\r\n\r\n-----Original Message-----\r\nFrom: A\r\nSent: today\r\n\r\nold')).toBe('Same here');
    expect(trimQuoted('Reply\n________________________________\nFrom: A <a@x>\nSent: Monday\nold')).toBe('Reply');
    expect(trimQuoted('Answer\n\n> quoted\n> more\n')).toBe('Answer');
  });
  it('keeps inline answers, a "From:" line that is not a header block, and a quote-only message', () => {
    expect(trimQuoted('> question?\nanswer\n> next?\nanswer 2')).toContain('answer 2');
    expect(trimQuoted('From: the logs, it fails at 10:00.\nThanks')).toContain('Thanks');
    expect(trimQuoted('> only a quote')).toBe('> only a quote');
  });
});

describe('threading helpers', () => {
  it('normalises ids and id lists', () => {
    expect(normalizeMessageId(' <a.b@c> ')).toBe('a.b@c');
    expect(normalizeMessageId('')).toBeNull();
    expect(parseIdList(['<a@x> <b@x>', '<a@x>'])).toEqual(['a@x', 'b@x']);
  });
  it('reads subject tokens and cleans subjects', () => {
    expect(subjectTicketNumber('Re: Printer [#1042]')).toBe(1042);
    expect(subjectTicketNumber('Fwd: [#1] then [#2]')).toBe(2);
    expect(subjectTicketNumber('Invoice #1042')).toBeNull();
    expect(cleanSubject('RE: AW: Fwd: Printer [#1042]')).toBe('Printer');
    expect(cleanSubject('   ')).toBe('(no subject)');
  });
  it('splits plus addresses and reply tags', () => {
    expect(splitPlusAddress('Support+t12.abcdef0123@Help.Example.com')).toEqual({ local: 'support', tag: 't12.abcdef0123', domain: 'help.example.com' });
    expect(parseReplyTag('t12.abcdef0123')).toEqual({ ticketNumber: 12, mac: 'abcdef0123' });
    expect(parseReplyTag('x12.abc')).toBeNull();
  });
});

describe('mailbox bodies', () => {
  it('refuses OAuth2 for a POP3 mailbox, naming auth_method; IMAP may use it', async () => {
    const { MailboxCreateBody } = await import('./schemas');
    const pop = MailboxCreateBody.safeParse({ name: 'P', kind: 'pop3', host: 'mail.example.com', auth_method: 'oauth2' });
    expect(pop.success).toBe(false);
    expect(pop.error?.issues.map((i) => i.path.join('.'))).toContain('auth_method');
    expect(MailboxCreateBody.safeParse({ name: 'I', kind: 'imap', host: 'mail.example.com', auth_method: 'oauth2' }).success).toBe(true);
    const relay = MailboxCreateBody.safeParse({ name: 'R', kind: 'smtp', host: 'smtp.example.com', reply_domain: 'Reply.Example.COM' });
    expect(relay.success && relay.data.reply_domain).toBe('reply.example.com');
    expect(MailboxCreateBody.safeParse({ name: 'R', kind: 'smtp', host: 'smtp.example.com', reply_domain: 'no_underscores.example.com' }).success).toBe(false);
  });
});
