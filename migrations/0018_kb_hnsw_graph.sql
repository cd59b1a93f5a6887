-- 0018 the HNSW index of the knowledge-base chunk vectors, rebuilt with a better graph: m = 16
-- links per node (pgvector's default; 0016 had 32) and ef_construction = 800 (0016: 200).
--
-- Recall@10 of the index against an exact scan (tests/bench/kb-search.mjs, 100 000 generated
-- articles, 102 775 chunk vectors of the local embedder) was limited by how well the graph was
-- built, not by how many links it keeps: the hashed vectors' nearest neighbours sit in a flat
-- band of distances, and a build that searches only 200 candidates per insert links each vector
-- to approximate neighbours the greedy walk cannot tell apart later. At ef_search 200:
-- m 32 / ef_construction 200 → 0.81; m 16 / 400 → 0.90; m 16 / 800 → 0.94 (0.98 at ef_search
-- 400). Fewer links also make each step of a search cheaper. The cost is the build: about three
-- times as long as 0016's for the same rows (one article's insert stays a few milliseconds).
-- The graph is built in memory while it fits in maintenance_work_mem (about 2 KB a vector), much
-- faster than on disk pages: room for about 100 000 chunk vectors, for this transaction only.
set local maintenance_work_mem = '256MB';
drop index kb_embeddings_embedding_idx;
create index kb_embeddings_embedding_idx on kb_embeddings using hnsw (embedding vector_cosine_ops) with (m = 16, ef_construction = 800);
