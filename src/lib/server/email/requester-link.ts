// Signed, expiring links for requesters without an account: `/r/<token>` shows the ticket's public
// thread and takes a reply. Token: `<ticket id>.<requester id>.<expiry, unix seconds>.<HMAC-SHA256>`,
// keyed by a key derived from the server secret (like the survey links). Nothing is stored: the
// link stays valid until it expires, and only while that user is still the ticket's requester.
import { createHmac, timingSafeEqual } from 'node:crypto';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SHAPE = new RegExp(`^(${UUID})\\.(${UUID})\\.(\\d{1,12})\\.([A-Za-z0-9_-]{43})$`);

export type LinkCheck = { ok: true; ticketId: string; userId: string; expiresAt: Date } | { ok: false; reason: 'invalid' | 'expired'; expiresAt?: Date };

export class RequesterLinks {
  readonly #key: Buffer;
  constructor(
    secret: string,
    /** How long a link works (default 30 days). */
    readonly ttlSeconds = 30 * 86_400
  ) {
    this.#key = createHmac('sha256', secret).update('outpost:requester-link').digest();
  }

  #mac(payload: string) {
    return createHmac('sha256', this.#key).update(payload).digest('base64url');
  }

  sign(ticketId: string, userId: string, expiresAt = new Date(Date.now() + this.ttlSeconds * 1000)): string {
    const payload = `${ticketId}.${userId}.${Math.floor(expiresAt.getTime() / 1000)}`;
    return `${payload}.${this.#mac(payload)}`;
  }

  /** Forged or malformed → invalid; a genuine but old link → expired (the page says which). */
  verify(token: string, now = Date.now()): LinkCheck {
    const m = SHAPE.exec(token);
    if (!m) return { ok: false, reason: 'invalid' };
    const good = Buffer.from(this.#mac(`${m[1]}.${m[2]}.${m[3]}`));
    const given = Buffer.from(m[4]);
    if (good.length !== given.length || !timingSafeEqual(good, given)) return { ok: false, reason: 'invalid' };
    const expiresAt = new Date(Number(m[3]) * 1000);
    if (expiresAt.getTime() <= now) return { ok: false, reason: 'expired', expiresAt };
    return { ok: true, ticketId: m[1], userId: m[2], expiresAt };
  }
}
