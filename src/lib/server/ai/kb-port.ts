// How the assistant searches the knowledge base: a port (tests may script it), implemented by the
// same hybrid `searchKb` the REST route and the portal use: published articles of the reader's
// audience, keyword and vector lists fused by reciprocal rank.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { searchKb } from '../search/kb-search';

/** `public`: public articles only; `internal`: public and internal (readers with kb.read.internal). */
export type KbAudience = 'public' | 'internal';

export interface KbSearchHit {
  id: string;
  slug: string;
  title: string;
  summary: string | null;
  /** Some of the article's text for the model to read (may be null when the search gives none). */
  body: string | null;
  score: number;
}

export type KbSearchPort = (q: { query: string; limit: number; audience: KbAudience }) => Promise<KbSearchHit[]>;

/** The assistant's view of the hybrid KB search (keyword + vectors, RRF) with some body text for the model. */
export function hybridKbSearch(db: Kysely<DB>): KbSearchPort {
  return async ({ query, limit, audience }) => {
    const hits = await searchKb(db, { query, mode: 'hybrid', limit, audience: audience === 'internal' ? 'all' : 'public', bodyChars: 1500 });
    return hits.map((h) => ({ id: h.id, slug: h.slug, title: h.title, summary: h.summary, body: h.body ?? null, score: h.score }));
  };
}
