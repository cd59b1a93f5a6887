// Article and category slugs: lowercase ASCII words joined by single hyphens (the database checks
// the same pattern), at most 96 characters, derived from the title when none is given. A slug
// taken by another article gets -2, -3, … (the service finds the first free one).
export const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const SLUG_MAX = 96;

/** "Reset your VPN password (Windows 11)" → "reset-your-vpn-password-windows-11". */
export function slugify(text: string): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = s.length > SLUG_MAX ? s.slice(0, SLUG_MAX).replace(/-[^-]*$/, '') || s.slice(0, SLUG_MAX) : s;
  return cut.replace(/-+$/, '') || 'article';
}

/** `base`, or `base-N` for the smallest N ≥ 2 not in `taken` (kept within SLUG_MAX). */
export function uniqueSlug(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${base.slice(0, SLUG_MAX - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Tags: trimmed, lowercased, inner spaces → hyphens, deduplicated, order kept. */
export function normaliseTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of tags) {
    const v = t.trim().toLowerCase().replace(/\s+/g, '-');
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}
