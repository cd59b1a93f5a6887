import { describe, expect, it } from 'vitest';
import { keyIdOf, keyRing, open, reseal, seal } from './secrets';
import { replyAddress, verifyReplyAddress } from './reply-address';

const appSecret = 'app-secret-0123456789abcdef0123456789abcdef';

describe('credential encryption', () => {
  it('seals with AES-256-GCM under a named key and opens again; tampering is detected', () => {
    const ring = keyRing({ emailKey: 'a'.repeat(64), appSecret });
    const env = seal(ring, 'imap-password ✓');
    expect(env).toMatch(/^v1:[0-9a-f]{12}:/);
    expect(env).not.toContain('imap-password');
    expect(open(ring, env)).toBe('imap-password ✓');
    const parts = env.split(':');
    parts[4] = Buffer.from('x' + Buffer.from(parts[4], 'base64url').toString('latin1')).toString('base64url');
    expect(() => open(ring, parts.join(':'))).toThrow();
  });

  it('rotation: the previous key still opens, reseal moves to the new key, an unknown key is named', () => {
    const old = keyRing({ emailKey: 'old key material', appSecret });
    const env = seal(old, 'pw');
    const rotated = keyRing({ emailKey: 'new key material', previousKeys: 'old key material', appSecret });
    expect(open(rotated, env)).toBe('pw');
    const moved = reseal(rotated, env);
    expect(keyIdOf(moved)).toBe(rotated.current.id);
    expect(keyIdOf(moved)).not.toBe(keyIdOf(env));
    expect(open(keyRing({ emailKey: 'new key material', appSecret }), moved)).toBe('pw');
    expect(() => open(keyRing({ emailKey: 'new key material', appSecret }), env)).toThrow(/not configured/);
  });

  it('without OUTPOST_EMAIL_KEY the key is derived from the app secret, and stays readable once a key is set', () => {
    const derived = keyRing({ appSecret });
    const env = seal(derived, 'pw');
    expect(open(keyRing({ emailKey: 'k', appSecret }), env)).toBe('pw');
  });
});

describe('signed reply address', () => {
  it('verifies its own tag and refuses a guessed or altered one', () => {
    const a = replyAddress(appSecret, 'support@help.example.com', 1042);
    expect(a).toMatch(/^support\+t1042\.[0-9a-f]{20}@help\.example\.com$/);
    expect(verifyReplyAddress(appSecret, a)).toBe(1042);
    expect(verifyReplyAddress(appSecret, a.replace('t1042', 't1043'))).toBeNull();
    expect(verifyReplyAddress('another-secret-0123456789abcdef0123', a)).toBeNull();
    expect(verifyReplyAddress(appSecret, 'support@help.example.com')).toBeNull();
  });
});
