import { describe, expect, it } from 'vitest';
import { RequesterLinks } from './requester-link';
import { renderTicketMail, renderPasswordReset, renderNotification, ticketSubject, REPLY_MARKER } from '$lib/domain/email/templates';
import { trimQuoted } from '$lib/domain/email/quote';
import { subjectTicketNumber } from '$lib/domain/email/threading';

const T = '01a2153a-5bd3-70c3-96c6-a38800000001';
const U = '01a2153a-5bd3-70c3-96c6-a38800000002';

describe('requester links', () => {
  const links = new RequesterLinks('a-test-secret-that-is-long-enough');
  it('verifies its own links and says which ticket and requester', () => {
    const token = links.sign(T, U);
    expect(links.verify(token)).toMatchObject({ ok: true, ticketId: T, userId: U });
  });
  it('refuses forged, altered, foreign and malformed links; tells expired ones apart', () => {
    const token = links.sign(T, U);
    expect(links.verify(token.replace(T, U.replace(/2$/, '3')))).toEqual({ ok: false, reason: 'invalid' });
    expect(links.verify(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toEqual({ ok: false, reason: 'invalid' });
    expect(new RequesterLinks('another-secret-entirely-0123456789').verify(token)).toEqual({ ok: false, reason: 'invalid' });
    expect(links.verify('../../etc/passwd')).toEqual({ ok: false, reason: 'invalid' });
    const old = links.sign(T, U, new Date(Date.now() - 1000));
    expect(links.verify(old)).toMatchObject({ ok: false, reason: 'expired' });
  });
});

describe('outbound templates', () => {
  const data = { number: 1042, subject: 'Printer <jammed> & "stuck"', recipientName: 'Nia Patel', threadUrl: 'https://help.example.com/r/abc', authorName: 'Sam Agent', body: 'Try <b>this</b>\n\nthen reboot.' };
  it('keep the ticket token in the subject, so subject threading and [#n] matching work', () => {
    for (const t of ['ticket.received', 'ticket.reply', 'ticket.resolved', 'ticket.survey'] as const) {
      const r = renderTicketMail(t, { ...data, surveyUrl: 'https://help.example.com/survey/x' });
      expect(subjectTicketNumber(r.subject)).toBe(1042);
      expect(r.text).toContain('https://help.example.com/r/abc');
    }
    expect(ticketSubject(7, 'Line\r\nbreak', false)).toBe('[#7] Line break');
  });
  it('escape everything in HTML and keep the reply marker that trims quoted history', () => {
    const r = renderTicketMail('ticket.reply', data);
    expect(r.html).toContain('Try &lt;b&gt;this&lt;/b&gt;');
    expect(r.html).not.toContain('<b>this</b>');
    expect(r.text).toContain(REPLY_MARKER);
    expect(trimQuoted(`Thanks, that worked.\n\n${r.text}`)).toBe('Thanks, that worked.');
  });
  it('render the password reset and notification mails', () => {
    const p = renderPasswordReset({ name: 'Ann Lee', url: 'https://h.example/reset-password?token=x', expiresAt: 'Tue' });
    expect(p.text).toContain('https://h.example/reset-password?token=x');
    const n = renderNotification({ title: 'Ticket #5 was assigned to you', body: 'VPN', link: '/tickets/5' }, 'https://h.example');
    expect(n.subject).toBe('Ticket #5 was assigned to you');
    expect(n.text).toContain('https://h.example/tickets/5');
  });
});
