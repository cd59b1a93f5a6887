// Pure parts of threading: Message-ID normalisation, the subject token [#123] and the reply
// address support+<token>@domain. The HMAC of the reply token is computed by the server (secret).

/** `<abc@x.org>` → `abc@x.org`, lower-cased domain part kept as sent; empty → null. */
export function normalizeMessageId(id: string | null | undefined): string | null {
  if (!id) return null;
  const m = /<([^<>\s]+)>/.exec(id);
  const v = (m ? m[1] : id).trim();
  return v && v.length <= 998 ? v : null;
}

/** A References / In-Reply-To value (or several) as a list of ids, in header order, no duplicates. */
export function parseIdList(values: string | readonly string[] | null | undefined): string[] {
  const all = typeof values === 'string' ? [values] : (values ?? []);
  const out: string[] = [];
  for (const v of all) {
    const found = v.match(/<[^<>\s]+>/g) ?? v.split(/\s+/).filter(Boolean);
    for (const f of found) {
      const id = normalizeMessageId(f);
      if (id && !out.includes(id)) out.push(id);
    }
  }
  return out;
}

/** `Re: Printer jam [#1042]` → 1042. The last token wins (a forwarded ticket keeps the new one). */
export function subjectTicketNumber(subject: string | null | undefined): number | null {
  const all = [...(subject ?? '').matchAll(/\[#(\d{1,12})\]/g)];
  if (!all.length) return null;
  const n = Number(all[all.length - 1][1]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** Subject without reply/forward prefixes and our token, for new tickets. */
export function cleanSubject(subject: string | null | undefined): string {
  let s = (subject ?? '').replace(/\[#\d{1,12}\]/g, ' ');
  for (let i = 0; i < 5; i++) s = s.replace(/^\s*(re|fw|fwd|aw|wg|sv|vs|antw|tr|r)\s*(\[\d+\])?\s*:\s*/i, '');
  s = s.replace(/\s+/g, ' ').trim();
  return s.slice(0, 300) || '(no subject)';
}

/** `support+t1042.ab12cd34ef56@help.example.com` → { local: 'support', token: 't1042.ab12…' }. */
export function splitPlusAddress(address: string): { local: string; tag: string | null; domain: string } | null {
  const m = /^([^@+\s]+)(?:\+([^@\s]+))?@([^@\s]+)$/.exec(address.trim().toLowerCase());
  return m ? { local: m[1], tag: m[2] ?? null, domain: m[3] } : null;
}

/** The token carried in a reply address: ticket number and a MAC over it. */
export function formatReplyTag(ticketNumber: number, mac: string): string {
  return `t${ticketNumber}.${mac}`;
}

export function parseReplyTag(tag: string): { ticketNumber: number; mac: string } | null {
  const m = /^t(\d{1,12})\.([a-z0-9]{8,64})$/.exec(tag);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? { ticketNumber: n, mac: m[2] } : null;
}
