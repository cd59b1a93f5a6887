import { describe, it, expect } from 'vitest';
import { TokenKit } from './tokens';

const kit = new TokenKit('unit-test-secret-unit-test-secret-xx', 60);

describe('TokenKit', () => {
  it('signs and verifies access tokens', async () => {
    const { token, expiresAt } = await kit.signAccess({ sub: 'u1', sid: 'f1' });
    expect(await kit.verifyAccess(token)).toEqual({ sub: 'u1', sid: 'f1' });
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now());
  });
  it('reports expiry separately from forgery', async () => {
    const { token } = await kit.signAccess({ sub: 'u1', sid: 'f1' }, Date.now() - 120_000);
    expect(await kit.verifyAccess(token)).toBe('expired');
    const other = new TokenKit('another-secret-another-secret-xxxx', 60);
    const { token: foreign } = await other.signAccess({ sub: 'u1', sid: 'f1' });
    expect(await kit.verifyAccess(foreign)).toBeNull();
    expect(await kit.verifyAccess('garbage')).toBeNull();
  });
  it('hashes opaque secrets with a keyed HMAC and compares in constant time', () => {
    const s = TokenKit.randomSecret();
    expect(s).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const h = kit.hash(s);
    expect(kit.matches(s, h)).toBe(true);
    expect(kit.matches(s + 'x', h)).toBe(false);
    expect(new TokenKit('another-secret-another-secret-xxxx', 60).hash(s)).not.toBe(h);
  });
});
