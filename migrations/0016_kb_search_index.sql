-- 0016 knowledge-base search indexes: a stored text-search vector of the title (A) and summary
-- (B) alone with its own GIN index, and the HNSW index of the chunk vectors rebuilt denser.
--
-- The first and third keyword tiers of search/kb-search.ts ask "every / any query word in the
-- title or summary". Asked of search_vector with weight labels (word:AB), a GIN index cannot
-- answer: it stores no weights, so every article with the word anywhere (body included) is
-- fetched and rechecked; at 100 000 articles that was about three heap rows read per match.
-- title_vector holds exactly the A and B lexemes (same positions as in search_vector), so the
-- same question without weight labels is answered by its index exactly. Ranking still uses
-- ts_rank_cd over search_vector, unchanged. tsvector columns are not synced (0003).
alter table kb_articles add column title_vector tsvector generated always as (
  setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') ||
  setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B')
) stored;
create index kb_articles_title_search_idx on kb_articles using gin (title_vector);

-- The HNSW index of the chunk vectors, rebuilt denser: m = 32 links per node (pgvector's default
-- 16) and ef_construction = 200 (default 64). tests/bench/kb-search.mjs measures recall@10 of the
-- index against an exact scan: at 100 000 near-duplicate articles and ef_search 100 it went from
-- 0.57 to 0.75 (0.72 → 0.88 at ef_search 400). The index is about twice the size and takes about
-- five times as long to build; inserts of single articles stay a few milliseconds.
drop index kb_embeddings_embedding_idx;
create index kb_embeddings_embedding_idx on kb_embeddings using hnsw (embedding vector_cosine_ops) with (m = 32, ef_construction = 200);
