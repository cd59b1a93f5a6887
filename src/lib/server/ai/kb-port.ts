// How the assistant searches the knowledge base: a port, so the search branch's hybrid
// `searchKb(db, { query, mode: 'hybrid', limit, audience })` can be plugged in at merge. Until
// then (and in tests) the plain full-text implementation below serves: published articles of the
// reader's audience, ranked by PostgreSQL full-text search.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { aiRepo } from './repository';

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

export function fullTextKbSearch(db: Kysely<DB>): KbSearchPort {
  return async ({ query, limit, audience }) => {
    const rows = await aiRepo.kbFullText(db, query, audience === 'internal' ? ['public', 'internal'] : ['public'], limit);
    return rows.map((r) => ({ id: r.id, slug: r.slug, title: r.title, summary: r.summary, body: r.body, score: Number(r.score) }));
  };
}
