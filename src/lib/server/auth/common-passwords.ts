// The 49k most common passwords (zxcvbn-ts "passwords-common" list, from real breach corpora),
// loaded once on first use.
import { dictionary } from '@zxcvbn-ts/language-common';

let set: Set<string> | undefined;

export function isCommonPassword(lowercased: string): boolean {
  set ??= new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return set.has(lowercased);
}
