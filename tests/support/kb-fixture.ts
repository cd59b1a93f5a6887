// The fixture knowledge base (tests/fixtures/kb/articles.json): written straight into kb_articles
// with Kysely (the KB service is not needed to test search), then embedded with the local embedder.
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/lib/server/db/schema';

export interface FixtureArticle {
  slug: string;
  title: string;
  summary: string;
  body: string;
  audience: 'public' | 'internal';
  status: 'draft' | 'review' | 'published' | 'archived';
  tags: string[];
}

export interface FixtureQuery {
  q: string;
  expect: string[];
  modes?: ('keyword' | 'semantic' | 'hybrid')[];
}

const dir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/kb');
export const fixtureArticles = (): FixtureArticle[] => JSON.parse(fs.readFileSync(path.join(dir, 'articles.json'), 'utf8'));
export const fixtureQueries = (): FixtureQuery[] => JSON.parse(fs.readFileSync(path.join(dir, 'queries.json'), 'utf8'));

/** Inserts the articles; returns slug → id. */
export async function insertArticles(db: Kysely<DB>, articles = fixtureArticles()): Promise<Map<string, string>> {
  const rows = await db
    .insertInto('kb_articles')
    .values(
      articles.map((a) => ({
        slug: a.slug,
        title: a.title,
        summary: a.summary,
        body: a.body,
        audience: a.audience,
        status: a.status,
        tags: a.tags,
        published_at: a.status === 'published' ? new Date() : null
      }))
    )
    .returning(['id', 'slug'])
    .execute();
  return new Map(rows.map((r) => [r.slug, r.id]));
}
