// Which query words are rare in the knowledge base (in at most RARE_WORD_ARTICLES articles): the
// words whose articles' chunks the vector part re-ranks exactly beside the HNSW candidates
// (repository.ts nearestChunks).
//
// Knowing that a word is common costs reading RARE_WORD_ARTICLES + 1 of its matches (a GIN index
// gives no count without visiting the rows): four such words took more PostgreSQL CPU than the
// rest of a hybrid search at 100 000 articles. So, per database:
//  - the lexemes ANALYZE's statistics already estimate to be in more than twice that many
//    articles are read once every few minutes (one statistics row) and are not counted;
//  - each other word's count is remembered for a few minutes (query words repeat a lot), and
//    only words not seen lately are counted, in one statement for all of them.
// Stale knowledge is safe either way: a word taken for rare that has since become common is still
// probed with the cap (the probe stops at cap + 1 articles and brings nothing), and a word taken
// for common that has since become rare is left to the index until its count expires.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { RARE_WORD_ARTICLES, RARE_WORD_PROBES, searchRepo } from './repository';

/** How long a word's article count is trusted. */
export const WORD_COUNT_TTL_MS = 10 * 60_000;
const MAX_WORDS = 50_000;

interface Known {
  words: Map<string, { n: number; at: number }>;
  common: string[];
  commonAt: number;
}
const caches = new WeakMap<Kysely<DB>, Known>();

/** The query words (queryWords' output, in order) in at most RARE_WORD_ARTICLES articles, at most RARE_WORD_PROBES of them. */
export async function rareWords(db: Kysely<DB>, words: string[], now = Date.now()): Promise<string[]> {
  const candidates = words.filter((w) => /^[a-z0-9]+$/.test(w)).slice(0, RARE_WORD_PROBES);
  if (!candidates.length) return [];
  let known = caches.get(db);
  if (!known) caches.set(db, (known = { words: new Map(), common: [], commonAt: -Infinity }));
  const cache = known.words;
  const unknown = candidates.filter((w) => {
    const c = cache.get(w);
    return !c || now - c.at > WORD_COUNT_TTL_MS;
  });
  if (unknown.length) {
    if (now - known.commonAt > WORD_COUNT_TTL_MS) {
      known.common = await searchRepo.commonLexemes(db, 2 * RARE_WORD_ARTICLES);
      known.commonAt = now;
    }
    const counts = await searchRepo.wordArticleCounts(db, unknown, RARE_WORD_ARTICLES + 1, known.common);
    if (cache.size + unknown.length > MAX_WORDS) cache.clear();
    for (const w of unknown) cache.set(w, { n: counts.get(w) ?? 0, at: now });
  }
  return candidates.filter((w) => cache.get(w)!.n <= RARE_WORD_ARTICLES);
}

/** Forget the remembered counts of one database (tests that change articles and search again at once). */
export function forgetWordCounts(db: Kysely<DB>) {
  caches.delete(db);
}
