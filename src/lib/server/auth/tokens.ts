// Access JWTs (HS256, short-lived) and opaque secrets (refresh, reset, API keys) that are stored
// only as an HMAC keyed with the server secret: a leaked table cannot be replayed.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

export interface AccessClaims {
  sub: string;
  sid: string;
}

export class TokenKit {
  readonly #jwtKey: Uint8Array;
  readonly #hmacKey: Buffer;
  constructor(
    secret: string,
    readonly accessTtlSeconds: number
  ) {
    this.#jwtKey = new Uint8Array(createHmac('sha256', secret).update('outpost:jwt').digest());
    this.#hmacKey = createHmac('sha256', secret).update('outpost:token-hash').digest();
  }

  async signAccess(claims: AccessClaims, now = Date.now()): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(now / 1000);
    const exp = iat + this.accessTtlSeconds;
    const token = await new SignJWT({ sid: claims.sid, typ: 'access' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuer('outpost')
      .setIssuedAt(iat)
      .setJti(crypto.randomUUID())
      .setExpirationTime(exp)
      .sign(this.#jwtKey);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  // Verified tokens, until they expire: WebCrypto's HMAC is the largest cost of an
  // authenticated request otherwise. Only a token that verified is ever cached.
  readonly #verified = new Map<string, AccessClaims & { exp: number }>();

  /** Returns the claims, 'expired', or null for anything else (bad signature, malformed, wrong type). */
  async verifyAccess(token: string): Promise<AccessClaims | 'expired' | null> {
    const hit = this.#verified.get(token);
    if (hit) {
      if (hit.exp * 1000 > Date.now()) return { sub: hit.sub, sid: hit.sid };
      this.#verified.delete(token);
      return 'expired';
    }
    try {
      const { payload } = await jwtVerify(token, this.#jwtKey, { issuer: 'outpost', algorithms: ['HS256'] });
      if (payload.typ !== 'access' || typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') return null;
      if (this.#verified.size >= 10_000) this.#verified.delete(this.#verified.keys().next().value!);
      this.#verified.set(token, { sub: payload.sub, sid: payload.sid, exp: payload.exp });
      return { sub: payload.sub, sid: payload.sid };
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) return 'expired';
      return null;
    }
  }

  /** A fresh 256-bit secret, base64url. */
  static randomSecret(bytes = 32): string {
    return randomBytes(bytes).toString('base64url');
  }

  hash(secret: string): string {
    return createHmac('sha256', this.#hmacKey).update(secret).digest('base64url');
  }

  matches(secret: string, storedHash: string): boolean {
    const a = Buffer.from(this.hash(secret));
    const b = Buffer.from(storedHash);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
