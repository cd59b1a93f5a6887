import { describe, it, expect } from 'vitest';
import { redact } from './log';

describe('redact', () => {
  it('hides values under secret-looking keys at any depth', () => {
    const out = redact({ user: { email: 'a@b', password: 'p', password_hash: '$argon2id$x' }, headers: { authorization: 'Bearer x', cookie: 'a=b' }, list: [{ refreshToken: 't' }], apiKey: 'op_x', n: 1 });
    expect(out).toEqual({
      user: { email: 'a@b', password: '[redacted]', password_hash: '[redacted]' },
      headers: { authorization: '[redacted]', cookie: '[redacted]' },
      list: [{ refreshToken: '[redacted]' }],
      apiKey: '[redacted]',
      n: 1
    });
  });
});
