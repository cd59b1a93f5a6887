import { describe, it, expect } from 'vitest';
import { checkPassword } from './password-policy';
import { isCommonPassword } from '$lib/server/auth/common-passwords';

const check = (p: string, email?: string) => checkPassword(p, { isCommon: isCommonPassword, email });

describe('password policy (ASVS L2)', () => {
  it('requires 8 characters, counted as code points', () => {
    expect(check('short1')).toBe('too_short');
    expect(check('😀😀😀😀😀😀😀')).toBe('too_short');
    expect(check('😀😀😀😀😀😀😀😀')).toBeNull();
  });
  it('allows 64+ characters and any composition', () => {
    expect(check('a'.repeat(20) + ' ' + 'b'.repeat(60))).toBeNull();
    expect(check('onlylowercaseletters')).toBeNull();
    expect(check('x'.repeat(257))).toBe('too_long');
  });
  it('refuses the most common passwords, case-insensitively', () => {
    for (const p of ['password', 'Password1', '12345678', 'iloveyou', 'qwertyuiop']) expect(check(p)).toBe('too_common');
  });
  it('refuses the email name as password', () => {
    expect(check('jonathan.q', 'jonathan.q@example.com')).toBe('contains_email');
  });
});
