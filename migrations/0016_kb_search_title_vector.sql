-- 0016 knowledge-base keyword search: a stored text-search vector of the title (A) and summary
-- (B) alone, with its own GIN index.
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
