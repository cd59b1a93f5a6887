// Outbound mail templates: pure functions from a template name and its data to subject, text and
// HTML. Rendered once at compose time (the stored row is what gets sent). Every value is escaped
// for HTML; the text part is what most ticket systems and mail clients quote back, so it carries
// the "reply above this line" marker that trimQuoted() cuts at.
import { z } from 'zod';

export const REPLY_MARKER = '-- Reply above this line --';

export const TicketMailData = z.object({
  number: z.number().int().positive(),
  subject: z.string(),
  recipientName: z.string().nullable().optional(),
  /** The signed page where a requester without an account reads the thread and replies. */
  threadUrl: z.string().nullable().optional(),
  authorName: z.string().nullable().optional(),
  body: z.string().nullable().optional(),
  resolutionNotes: z.string().nullable().optional(),
  surveyUrl: z.string().nullable().optional()
});
export type TicketMailData = z.infer<typeof TicketMailData>;

export const PasswordResetData = z.object({ name: z.string().nullable().optional(), url: z.string(), expiresAt: z.string() });
export const NotificationData = z.object({ title: z.string(), body: z.string().nullable().optional(), link: z.string().nullable().optional() }).loose();

export const TICKET_TEMPLATES = ['ticket.received', 'ticket.reply', 'ticket.resolved', 'ticket.survey'] as const;
export type TicketTemplate = (typeof TICKET_TEMPLATES)[number];

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Plain text as HTML paragraphs (line breaks kept, links not auto-linked: no markup from users). */
const paragraphs = (s: string) =>
  s
    .trim()
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');

const link = (url: string, label: string) => `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>`;

/** `[#123] Printer jam`, with `Re: ` for answers in the thread: clients thread by subject too. */
export function ticketSubject(number: number, subject: string, reply: boolean): string {
  const clean = subject.replace(/[\r\n]+/g, ' ').trim() || '(no subject)';
  return `${reply ? 'Re: ' : ''}[#${number}] ${clean}`.slice(0, 900);
}

function layout(title: string, inner: string, footer: string): string {
  return [
    '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="font-family:system-ui,-apple-system,Segoe UI,sans-serif;font-size:15px;line-height:1.5;color:#1f2933;background:#fff">',
    `<div style="color:#8a94a6;font-size:12px">${escapeHtml(REPLY_MARKER)}</div>`,
    `<h1 style="font-size:18px;margin:16px 0 8px">${escapeHtml(title)}</h1>`,
    inner,
    `<hr style="border:0;border-top:1px solid #e4e7eb;margin:24px 0 8px"><div style="color:#8a94a6;font-size:12px">${footer}</div>`,
    '</body></html>'
  ].join('\n');
}

function ticketFooter(d: TicketMailData): { text: string; html: string } {
  const text = [`Ticket #${d.number}. Reply to this email to add to the conversation.`, d.threadUrl ? `See the whole conversation: ${d.threadUrl}` : null].filter(Boolean).join('\n');
  const html = [`Ticket #${d.number}. Reply to this email to add to the conversation.`, d.threadUrl ? `${link(d.threadUrl, 'See the whole conversation')}.` : null].filter(Boolean).join(' ');
  return { text, html };
}

const greeting = (name: string | null | undefined) => (name ? `Hello ${name.split(/\s+/)[0]},` : 'Hello,');

export function renderTicketMail(template: TicketTemplate, input: TicketMailData): Rendered {
  const d = TicketMailData.parse(input);
  const f = ticketFooter(d);
  const text = (lines: (string | null | undefined | false)[]) => [REPLY_MARKER, '', ...lines.filter((l): l is string => typeof l === 'string'), '', '--', f.text, ''].join('\n');
  switch (template) {
    case 'ticket.received': {
      const title = `We received your request #${d.number}`;
      const body = `Thank you for contacting us. Your request "${d.subject}" is ticket #${d.number}; an agent will get back to you. Reply to this email to add information.`;
      return { subject: ticketSubject(d.number, d.subject, true), text: text([greeting(d.recipientName), '', body]), html: layout(title, `<p>${escapeHtml(greeting(d.recipientName))}</p>${paragraphs(body)}`, f.html) };
    }
    case 'ticket.reply': {
      const title = `${d.authorName ?? 'The service desk'} replied to ticket #${d.number}`;
      const body = d.body ?? '';
      return { subject: ticketSubject(d.number, d.subject, true), text: text([body, '', `— ${d.authorName ?? 'The service desk'}`]), html: layout(title, `${paragraphs(body)}<p style="color:#52606d">— ${escapeHtml(d.authorName ?? 'The service desk')}</p>`, f.html) };
    }
    case 'ticket.resolved': {
      const title = `Ticket #${d.number} is resolved`;
      const body = `We have resolved your request "${d.subject}".${d.resolutionNotes ? `\n\n${d.resolutionNotes}` : ''}\n\nIf the problem is not solved, reply to this email and the ticket reopens.`;
      return { subject: ticketSubject(d.number, d.subject, true), text: text([greeting(d.recipientName), '', body]), html: layout(title, `<p>${escapeHtml(greeting(d.recipientName))}</p>${paragraphs(body)}`, f.html) };
    }
    case 'ticket.survey': {
      const title = `How did we do on ticket #${d.number}?`;
      const body = `Your request "${d.subject}" was resolved. Tell us how we did — it takes one click.`;
      const url = d.surveyUrl ?? '';
      return {
        subject: ticketSubject(d.number, d.subject, true),
        text: text([greeting(d.recipientName), '', body, '', `Rate us: ${url}`]),
        html: layout(title, `<p>${escapeHtml(greeting(d.recipientName))}</p>${paragraphs(body)}<p>${link(url, 'Rate our answer')}</p>`, f.html)
      };
    }
  }
}

export function renderPasswordReset(input: z.input<typeof PasswordResetData>): Rendered {
  const d = PasswordResetData.parse(input);
  const body = `Someone (hopefully you) asked to reset the password of your Outpost account. The link below works once, until ${d.expiresAt}. If you did not ask for it, ignore this email: your password stays as it is.`;
  return {
    subject: 'Reset your Outpost password',
    text: [greeting(d.name), '', body, '', d.url, ''].join('\n'),
    html: layout('Reset your password', `<p>${escapeHtml(greeting(d.name))}</p>${paragraphs(body)}<p>${link(d.url, 'Choose a new password')}</p>`, 'You receive this because a password reset was requested for this address.')
  };
}

/** Notification mail (assignment, SLA, escalation, comments for agents): the notification's own words. */
export function renderNotification(input: z.input<typeof NotificationData>, baseUrl: string | null): Rendered {
  const d = NotificationData.parse(input);
  const url = d.link ? (/^https?:\/\//.test(d.link) ? d.link : baseUrl ? `${baseUrl.replace(/\/$/, '')}${d.link}` : null) : null;
  return {
    subject: d.title.replace(/[\r\n]+/g, ' ').slice(0, 900),
    text: [d.title, '', d.body ?? '', url ? `\nOpen: ${url}` : '', '', '--', 'You receive this because of your notification settings in Outpost.', ''].join('\n'),
    html: layout(d.title, `${d.body ? paragraphs(d.body) : ''}${url ? `<p>${link(url, 'Open in Outpost')}</p>` : ''}`, 'You receive this because of your notification settings in Outpost.')
  };
}
