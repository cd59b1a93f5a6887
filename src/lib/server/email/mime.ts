// The MIME text of a stored outbound message, built in one synchronous pass with nodemailer's own
// encoders (RFC 2047 words, quoted-printable), for delivery as `raw`. nodemailer's composer
// builds the same message through a tree of streams (~0.5 ms of CPU per acknowledgement, as much
// as the SMTP exchange itself); this is a string join. It covers the shape every stored row has
// (plain ASCII addresses, a text part and optionally an HTML alternative); anything else (an
// internationalised address) returns null and goes through nodemailer's composer as before.
import { randomBytes } from 'node:crypto';
import { encodeWord, encodeWords, foldLines, quoteString } from 'nodemailer/lib/mime-funcs';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';

export interface MimeInput {
  from: { name: string | null; address: string };
  to: string[];
  cc: string[];
  replyTo: string | null;
  subject: string;
  text: string;
  html: string | null;
  /** Without angle brackets. */
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  headers: Record<string, string>;
  date?: Date;
}

/** An address nodemailer would write unchanged (no punycode, no quoting). */
const PLAIN = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+$/;
/** Control characters a header cannot carry (CR/LF would end it: header injection). */
const CTL = /\p{Cc}+/gu;
const id = (v: string) => `<${v.replace(/[\s<>\p{Cc}]/gu, '')}>`;

/** A display name as nodemailer writes it: bare when a word, quoted when ASCII, else an encoded word. */
function name(n: string): string {
  const v = n.replace(CTL, ' ');
  if (/^[\w ]*$/.test(v)) return v;
  return /^[\x20-\x7e]*$/.test(v) ? quoteString(v) : encodeWord(v, 'Q', 52);
}

const header = (key: string, value: string) => foldLines(`${key}: ${value}`, 76);
/** Unstructured text (Subject, our X- headers): one line, non-ASCII words encoded. */
const text = (key: string, value: string) => header(key, encodeWords(value.replace(CTL, ' ').trim(), 'Q', 52));
/** A body part: UTF-8, quoted-printable, CRLF line ends. */
const qp = (s: string) => qpWrap(qpEncode(s.replace(/\r?\n/g, '\r\n')), 76);

/** The whole message (headers and body, CRLF), or null when an address needs nodemailer's handling. */
export function composeMime(m: MimeInput): Buffer | null {
  const all = [m.from.address, ...m.to, ...m.cc, ...(m.replyTo ? [m.replyTo] : [])];
  if (!m.to.length || !all.every((a) => PLAIN.test(a))) return null;
  const lines = [
    header('From', m.from.name ? `${name(m.from.name)} <${m.from.address}>` : m.from.address),
    header('To', m.to.join(', ')),
    ...(m.cc.length ? [header('Cc', m.cc.join(', '))] : []),
    ...(m.replyTo ? [header('Reply-To', m.replyTo)] : []),
    text('Subject', m.subject),
    header('Message-ID', id(m.messageId)),
    ...(m.inReplyTo ? [header('In-Reply-To', id(m.inReplyTo))] : []),
    ...(m.references.length ? [header('References', m.references.map(id).join(' '))] : []),
    header('Date', (m.date ?? new Date()).toUTCString().replace(/GMT$/, '+0000')),
    ...Object.entries(m.headers).flatMap(([k, v]) => (/^[A-Za-z0-9-]+$/.test(k) && typeof v === 'string' ? [text(k, v)] : [])),
    'MIME-Version: 1.0'
  ];
  const part = (type: string, body: string) => [`Content-Type: ${type}; charset=utf-8`, 'Content-Transfer-Encoding: quoted-printable', '', qp(body)];
  if (m.html === null) lines.push(...part('text/plain', m.text));
  else {
    const b = `_outpost_${randomBytes(8).toString('hex')}`;
    // The line break joining a part's body to the next boundary belongs to the boundary (RFC 2046 §5.1.1).
    lines.push(`Content-Type: multipart/alternative; boundary="${b}"`, '', `--${b}`, ...part('text/plain', m.text), `--${b}`, ...part('text/html', m.html), `--${b}--`, '');
  }
  return Buffer.from(lines.join('\r\n'));
}
