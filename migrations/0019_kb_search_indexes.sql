-- 0019 knowledge-base search indexes: the chunk vectors' HNSW index over half-precision copies,
-- and the full-text indexes writing straight into their posting trees (fastupdate off).
--
-- HNSW over embedding::halfvec(384) (same graph parameters as 0018: m 16, ef_construction 800).
-- The column keeps its single-precision vectors; the index and the search's ordering use a
-- 2-byte copy of each component. Measured on 100 048 chunk vectors of tests/bench/kb-search.mjs
-- (varied generator), both indexes on the same rows, same 300 queries, a loaded machine: the
-- index is 112 MB instead of 195 MB (so it fits in a 128 MB shared_buffers), a query visits the
-- same pages (4 050 against 4 040 buffers at ef_search 300) and its execution takes about half
-- as long (p50 22.8 against 47.0 ms at that load); recall@10 against the exact single-precision
-- scan is unchanged (0.858 against 0.859 at ef_search 300, 0.918 against 0.921 at 800).
-- search/repository.ts orders by the same expression, so the planner uses this index, and
-- returns the distance in single precision.
set local maintenance_work_mem = '256MB';
drop index kb_embeddings_embedding_idx;
create index kb_embeddings_embedding_idx on kb_embeddings using hnsw ((embedding::halfvec(384)) halfvec_cosine_ops) with (m = 16, ef_construction = 800);

-- With fastupdate on (PostgreSQL's default) a GIN index queues new entries in an unsorted
-- pending list, merged only by VACUUM or when the list passes gin_pending_list_limit (4 MB), and
-- every search reads the whole list. Articles are written rarely and searched often, so the list
-- would sit there for days: after loading 100 000 articles (the bench above) the two indexes
-- held 445 and 481 pending pages, and the first keyword tier's index scan cost 13.4 ms of a
-- hybrid search; merged, 0.6 ms (same queries, EXPLAIN ANALYZE, same loaded machine). The cost
-- moves to the writes: an article's insert or update updates the posting trees at once.
alter index kb_articles_search_idx set (fastupdate = off);
alter index kb_articles_title_search_idx set (fastupdate = off);
select gin_clean_pending_list('kb_articles_search_idx'::regclass);
select gin_clean_pending_list('kb_articles_title_search_idx'::regclass);
