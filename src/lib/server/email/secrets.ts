// Mailbox and relay credentials at rest: AES-256-GCM with a key from OUTPOST_EMAIL_KEY (or derived
// from the app secret). The envelope names the key that sealed it, `v1:<keyId>:<iv>:<tag>:<data>`,
// so a key can be rotated: the new key seals, the previous keys still open, and reencrypt()
// moves every stored secret to the new key.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

export interface EmailKey {
  id: string;
  key: Buffer;
}

export interface KeyRing {
  current: EmailKey;
  /** Keys that may still open older envelopes (rotation). */
  previous: EmailKey[];
}

/** A key from its configured form: 64 hex chars or base64 of 32 bytes; anything else is hashed. */
export function keyFrom(material: string): EmailKey {
  const t = material.trim();
  let key: Buffer;
  if (/^[0-9a-f]{64}$/i.test(t)) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t) && Buffer.from(t, 'base64').length === 32) key = Buffer.from(t, 'base64');
  else key = createHash('sha256').update(t).digest();
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 12), key };
}

/** The key derived from the app secret when OUTPOST_EMAIL_KEY is not set. */
export function keyFromAppSecret(secret: string): EmailKey {
  return keyFrom(Buffer.from(hkdfSync('sha256', secret, 'outpost', 'email-credentials-v1', 32)).toString('hex'));
}

export function keyRing(opts: { emailKey?: string; previousKeys?: string; appSecret: string }): KeyRing {
  const current = opts.emailKey ? keyFrom(opts.emailKey) : keyFromAppSecret(opts.appSecret);
  const previous = (opts.previousKeys ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(keyFrom);
  // The app-secret key stays readable after an OUTPOST_EMAIL_KEY is introduced.
  if (opts.emailKey) previous.push(keyFromAppSecret(opts.appSecret));
  return { current, previous: previous.filter((k) => k.id !== current.id) };
}

export function seal(ring: KeyRing, plaintext: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', ring.current.key, iv);
  c.setAAD(Buffer.from(`v1:${ring.current.id}`));
  const data = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return ['v1', ring.current.id, iv.toString('base64url'), c.getAuthTag().toString('base64url'), data.toString('base64url')].join(':');
}

export function keyIdOf(envelope: string): string | null {
  const p = envelope.split(':');
  return p.length === 5 && p[0] === 'v1' ? p[1] : null;
}

export function open(ring: KeyRing, envelope: string): string {
  const [v, kid, iv, tag, data] = envelope.split(':');
  if (v !== 'v1' || !kid || !iv || !tag || data === undefined) throw new Error('not an encrypted secret envelope');
  const k = [ring.current, ...ring.previous].find((x) => x.id === kid);
  if (!k) throw new Error(`secret sealed with key ${kid}, which is not configured (OUTPOST_EMAIL_KEY / OUTPOST_EMAIL_KEY_PREVIOUS)`);
  const d = createDecipheriv('aes-256-gcm', k.key, Buffer.from(iv, 'base64url'));
  d.setAAD(Buffer.from(`v1:${kid}`));
  d.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([d.update(Buffer.from(data, 'base64url')), d.final()]).toString('utf8');
}

/** The envelope sealed again with the current key (unchanged when it already is). */
export function reseal(ring: KeyRing, envelope: string): string {
  return keyIdOf(envelope) === ring.current.id ? envelope : seal(ring, open(ring, envelope));
}
