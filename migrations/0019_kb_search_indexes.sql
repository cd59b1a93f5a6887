-- 0019 the knowledge-base full-text indexes write straight into their posting trees
-- (fastupdate off), and the pending lists they hold now are merged.
--
-- With fastupdate on (PostgreSQL's default) a GIN index queues new entries in an unsorted
-- pending list, merged only by VACUUM or when the list passes gin_pending_list_limit (4 MB), and
-- every search reads the whole list. Articles are written rarely and searched often, so the list
-- would sit there for days: after loading 100 000 articles (tests/bench/kb-search.mjs) the two
-- indexes held 445 and 481 pending pages, and the first keyword tier's index scan cost 13.4 ms of
-- a hybrid search; merged, 0.6 ms (same 60 queries, EXPLAIN ANALYZE, same loaded machine). The
-- cost moves to the writes: an article's insert or update updates the posting trees at once
-- (loading 100 000 articles in one go took 139 s instead of 48 s on a loaded machine).
alter index kb_articles_search_idx set (fastupdate = off);
alter index kb_articles_title_search_idx set (fastupdate = off);
select gin_clean_pending_list('kb_articles_search_idx'::regclass);
select gin_clean_pending_list('kb_articles_title_search_idx'::regclass);
