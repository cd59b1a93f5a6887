// Password policy per OWASP ASVS 4 L2 (2.1.x): at least 8 characters (counted as Unicode code
// points), long passphrases allowed, no composition rules, no truncation, common passwords refused.
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

export type PasswordProblem = 'too_short' | 'too_long' | 'too_common' | 'contains_email';

export function checkPassword(password: string, opts: { isCommon: (p: string) => boolean; email?: string }): PasswordProblem | null {
  const length = [...password.normalize('NFC')].length;
  if (length < PASSWORD_MIN) return 'too_short';
  if (length > PASSWORD_MAX) return 'too_long';
  if (opts.isCommon(password.toLowerCase())) return 'too_common';
  const local = opts.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && password.toLowerCase() === local) return 'contains_email';
  return null;
}

export const PASSWORD_MESSAGES: Record<PasswordProblem, string> = {
  too_short: `must be at least ${PASSWORD_MIN} characters`,
  too_long: `must be at most ${PASSWORD_MAX} characters`,
  too_common: 'is one of the most common passwords; choose another (a passphrase of a few words works well)',
  contains_email: 'must not be your email name'
};
