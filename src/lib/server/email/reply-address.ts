// The signed reply address: support+t<number>.<mac>@domain. The MAC (HMAC-SHA256 with the app
// secret, truncated to 80 bits) stops anyone from posting into a ticket by guessing its number.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { formatReplyTag, parseReplyTag, splitPlusAddress } from '$lib/domain/email/threading';

const mac = (secret: string, n: number) => createHmac('sha256', secret).update(`outpost-reply:${n}`).digest('hex').slice(0, 20);

/** `domain`: the relay's reply domain, when one is set (else the base address's own). */
export function replyAddress(secret: string, base: string, ticketNumber: number, domain?: string | null): string {
  const p = splitPlusAddress(base);
  if (!p) throw new Error(`not an email address: ${base}`);
  return `${p.local}+${formatReplyTag(ticketNumber, mac(secret, ticketNumber))}@${domain || p.domain}`;
}

/** The ticket number a recipient address vouches for, when its tag verifies. */
export function verifyReplyAddress(secret: string, address: string): number | null {
  const p = splitPlusAddress(address);
  const tag = p?.tag ? parseReplyTag(p.tag) : null;
  if (!tag) return null;
  const want = Buffer.from(mac(secret, tag.ticketNumber));
  const got = Buffer.from(tag.mac);
  return want.length === got.length && timingSafeEqual(want, got) ? tag.ticketNumber : null;
}
