// How alike two articles are, from the lexemes PostgreSQL's English full-text configuration makes
// of them (stemmed, stop words dropped): a Dice coefficient of the titles and one of the whole
// texts, weighted towards the title. Used to flag drafts from tickets that likely duplicate a
// published article. Pure; the lexemes come from `tsvector_to_array(to_tsvector(...))`.

export const DUPLICATE_THRESHOLD = 0.45;
const TITLE_WEIGHT = 0.55;

export function dice(a: readonly string[], b: readonly string[]): number {
  if (!a.length || !b.length) return 0;
  const sa = new Set(a);
  const sb = new Set(b);
  let both = 0;
  for (const x of sa) if (sb.has(x)) both++;
  return (2 * both) / (sa.size + sb.size);
}

export interface Lexemes {
  title: readonly string[];
  all: readonly string[];
}

export function articleSimilarity(a: Lexemes, b: Lexemes): number {
  return TITLE_WEIGHT * dice(a.title, b.title) + (1 - TITLE_WEIGHT) * dice(a.all, b.all);
}

/** Words for an OR full-text query (`a | b | c`) from free text: letters and digits only. */
export function orQueryTerms(text: string, max = 24): string {
  const words = (text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []).slice(0, 400);
  return [...new Set(words)].slice(0, max).join(' | ');
}
