// Raw MIME → the fields the ingest pipeline works with. mailparser decodes transfer encodings and
// charsets (quoted-printable, base64, iso-8859-1, iso-2022-jp…); HTML is sanitised here, once.
import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type HeaderValue } from 'mailparser';
import sanitizeHtml from 'sanitize-html';
import { normalizeMessageId, parseIdList } from '$lib/domain/email/threading';
import { parsePool, WORKER_THRESHOLD, type RawParsed } from './parse-pool';

export interface ParsedAttachment {
  fileName: string;
  mimeType: string;
  size: number;
  sha256: string;
  contentId: string | null;
  inline: boolean;
  /** The decoded bytes (stored through the file service by the ingest). */
  content: Buffer;
}

export interface ParsedEmail {
  /** The Message-ID, or a synthetic `<sha256>@outpost.invalid` when the message has none. */
  messageId: string;
  hadMessageId: boolean;
  sha256: string;
  inReplyTo: string | null;
  references: string[];
  subject: string;
  from: { address: string; name: string | null } | null;
  replyTo: string | null;
  to: string[];
  cc: string[];
  /** Every address the message was delivered to (To, Cc, Delivered-To, X-Original-To, Envelope-To). */
  recipients: string[];
  date: Date | null;
  text: string;
  /** Sanitised HTML (null when the message has no HTML part). */
  html: string | null;
  contentType: string;
  headers: Map<string, string[]>;
  attachments: ParsedAttachment[];
  size: number;
}

const addresses = (v: AddressObject | AddressObject[] | undefined): { address: string; name: string | null }[] =>
  (Array.isArray(v) ? v : v ? [v] : []).flatMap((o) =>
    o.value.flatMap((a) => (a.group ? a.group : [a])).filter((a) => a.address).map((a) => ({ address: a.address!.toLowerCase(), name: a.name || null }))
  );

function contentTypeOf(h: HeaderValue | undefined): string {
  if (!h) return 'text/plain';
  if (typeof h === 'string') return h;
  if (typeof h === 'object' && 'value' in h && typeof h.value === 'string') {
    const params = Object.entries((h as { params?: Record<string, string> }).params ?? {}).map(([k, v]) => `${k}=${v}`);
    return [h.value, ...params].join('; ');
  }
  return 'text/plain';
}

/** Allowed markup: text formatting, links, tables, images only from cid: or data: (no remote tracking pixels). */
export function sanitize(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: sanitizeHtml.defaults.allowedTags.concat(['img', 'span', 'font', 'center']),
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'alt', 'width', 'height'],
      td: ['colspan', 'rowspan', 'align'],
      th: ['colspan', 'rowspan', 'align'],
      '*': ['dir', 'lang']
    },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['cid', 'data'] },
    allowProtocolRelative: false,
    transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow', target: '_blank' }) }
  });
}

const PARSER_OPTIONS = { skipHtmlToText: false, skipTextLinks: true, skipImageLinks: true, maxHtmlLengthToParse: 5 * 1024 * 1024 };

/** mailparser inline (small messages) in the shape the worker pool returns. */
async function parseInline(raw: Buffer): Promise<RawParsed> {
  const m = await simpleParser(raw, PARSER_OPTIONS);
  return {
    headerLines: m.headerLines,
    messageId: m.messageId,
    from: m.from,
    to: m.to,
    cc: m.cc,
    replyTo: m.replyTo,
    inReplyTo: m.inReplyTo,
    references: m.references,
    subject: m.subject,
    date: m.date,
    text: m.text,
    html: m.html ?? false,
    contentType: m.headers.get('content-type'),
    attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size ?? a.content.length, contentId: a.contentId, contentDisposition: a.contentDisposition, sha256: createHash('sha256').update(a.content).digest('hex'), content: a.content })),
    rawSha256: createHash('sha256').update(raw).digest('hex')
  };
}

/** Large messages are parsed on a worker thread so no single tick of the event loop holds the whole decode. */
export async function parseEmail(raw: Buffer, opts: { inline?: boolean } = {}): Promise<ParsedEmail> {
  const mail = !opts.inline && raw.length > WORKER_THRESHOLD ? await parsePool().parse(raw, PARSER_OPTIONS) : await parseInline(raw);
  const sha256 = mail.rawSha256;
  const headers = new Map<string, string[]>();
  for (const { key, line } of mail.headerLines) {
    const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    headers.set(key, [...(headers.get(key) ?? []), value]);
  }
  const own = normalizeMessageId(mail.messageId);
  const from = addresses(mail.from)[0] ?? null;
  const to = addresses(mail.to).map((a) => a.address);
  const cc = addresses(mail.cc).map((a) => a.address);
  const envelope = ['delivered-to', 'x-original-to', 'envelope-to']
    .flatMap((k) => headers.get(k) ?? [])
    .map((v) => v.replace(/[<>]/g, '').trim().toLowerCase())
    .filter((v) => v.includes('@'));
  const inReplyTo = parseIdList(mail.inReplyTo ?? null)[0] ?? null;
  return {
    messageId: own ?? `${sha256}@outpost.invalid`,
    hadMessageId: own !== null,
    sha256,
    inReplyTo,
    references: parseIdList(mail.references ?? null),
    subject: mail.subject ?? '',
    from,
    replyTo: addresses(mail.replyTo)[0]?.address ?? null,
    to,
    cc,
    recipients: [...new Set([...to, ...cc, ...envelope])],
    date: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : null,
    text: (mail.text ?? '').trim(),
    html: mail.html ? sanitize(mail.html) : null,
    contentType: contentTypeOf(mail.contentType as HeaderValue | undefined),
    headers,
    attachments: mail.attachments.map((a) => ({
      fileName: a.filename || (a.contentType === 'text/calendar' ? 'invite.ics' : a.contentType === 'message/delivery-status' ? 'delivery-status.txt' : 'attachment'),
      mimeType: a.contentType || 'application/octet-stream',
      size: a.size,
      sha256: a.sha256,
      contentId: a.contentId ? (normalizeMessageId(a.contentId) ?? null) : null,
      inline: a.contentDisposition === 'inline' && !!a.contentId,
      content: a.content
    })),
    size: raw.length
  };
}
