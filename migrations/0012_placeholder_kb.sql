-- PLACEHOLDER on branch `search` only, so migrations stay contiguous (0012 belongs to the KB
-- branch). Drop this file when merging: the KB branch's 0012 replaces it.
select 1;
