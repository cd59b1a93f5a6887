// Signed survey links: `<survey id>.<expiry, unix seconds>.<HMAC-SHA256>` keyed by a key derived
// from the server secret (like the other token keys in ../auth/tokens.ts). Nothing secret is
// stored; the survey row's answered_at makes a link work once.
import { createHmac, timingSafeEqual } from 'node:crypto';

export class SurveyTokens {
  readonly #key: Buffer;
  constructor(secret: string) {
    this.#key = createHmac('sha256', secret).update('outpost:survey').digest();
  }

  #mac(payload: string) {
    return createHmac('sha256', this.#key).update(payload).digest('base64url');
  }

  sign(surveyId: string, expiresAt: Date): string {
    const payload = `${surveyId}.${Math.floor(expiresAt.getTime() / 1000)}`;
    return `${payload}.${this.#mac(payload)}`;
  }

  /** The survey id and expiry of a token whose signature is ours; null for anything else. Expiry is the caller's check. */
  verify(token: string): { surveyId: string; expiresAt: Date } | null {
    const m = /^([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return null;
    const good = Buffer.from(this.#mac(`${m[1]}.${m[2]}`));
    const given = Buffer.from(m[3]);
    if (good.length !== given.length || !timingSafeEqual(good, given)) return null;
    return { surveyId: m[1], expiresAt: new Date(Number(m[2]) * 1000) };
  }
}
