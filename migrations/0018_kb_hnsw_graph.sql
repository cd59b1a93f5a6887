-- 0018 the HNSW index of the knowledge-base chunk vectors, rebuilt with a better graph: m = 16
-- links per node (pgvector's default; 0016 had 32) and ef_construction = 800 (0016: 200).
--
-- Recall@10 of the index against an exact scan (tests/bench/kb-search.mjs, 100 000 generated
-- articles, 102 775 chunk vectors of the local embedder) was limited by how well the graph was
-- built, not by how many links it keeps: the hashed vectors' nearest neighbours sit in a flat
-- band of distances, and a build that searches only 200 candidates per insert links each vector
-- to approximate neighbours the greedy walk cannot tell apart later. By id, same vectors:
-- m 32 / ef_construction 200 → 0.85 at ef_search 200 (0.81 in another build); m 16 / 800 → 0.93
-- at 200, 0.955 at 300 (the value db/connection.ts sets), 0.97 at 400. Fewer links also make each
-- step of a search cheaper: at ef_search 300 the vector query reads about 11 % more buffers than
-- 0016's index at 200. The cost is the build: about three times as long as 0016's for the same
-- rows (242 s against 78 s for 102 775 vectors on a loaded 2-core machine), and one chunk's
-- insert about 24 ms against 15 ms.
--
-- The graph is built in memory while it fits in maintenance_work_mem (about 2 KB a vector), much
-- faster than on disk pages: room for about 100 000 chunk vectors, for this transaction only.
set local maintenance_work_mem = '256MB';
drop index kb_embeddings_embedding_idx;
create index kb_embeddings_embedding_idx on kb_embeddings using hnsw (embedding vector_cosine_ops) with (m = 16, ef_construction = 800);
