-- Knowledge-base search: the embedding provider configuration and re-embedding runs.
--
-- Vectors stay in kb_embeddings (0002): vector(384), one HNSW cosine index, one row per
-- (article, model, chunk). Search reads only the rows of the active model. Decision: the
-- dimension stays fixed at 384 (the column type and its check are unchanged); an
-- OpenAI-compatible provider must return 384 dimensions (text-embedding-3-* do with
-- `dimensions: 384`; all-MiniLM-L6-v2, bge-small, e5-small are 384 natively). One fixed-size
-- column keeps a single index that every model's vectors use.

-- One row: which provider embeds articles and queries. The API key is sealed with the server's
-- key (AES-256-GCM envelope, src/lib/server/email/secrets.ts); never returned, never synced.
create table kb_embedding_settings (
  id boolean primary key default true check (id),
  provider text not null default 'local' check (provider in ('local', 'openai')),
  base_url text check (base_url is null or base_url ~ '^https?://'),
  model text,
  dimension integer not null default 384 check (dimension = 384),
  send_dimensions boolean not null default true,
  api_key_encrypted text,
  -- kb_embeddings.model of the vectors search uses; set together with the provider.
  active_model text not null default 'outpost-local-hash-v1',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id),
  check (provider = 'local' or (base_url is not null and model is not null))
);
insert into kb_embedding_settings (id) values (true);
create trigger kb_embedding_settings_touch before update on kb_embedding_settings for each row execute function outpost_touch_updated_at();

-- "Re-embed all" runs (after a provider change, or on demand), with their progress.
create table kb_embedding_runs (
  id uuid primary key default gen_random_uuid(),
  model text not null,
  status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
  total integer not null default 0 check (total >= 0),
  done integer not null default 0 check (done >= 0),
  failed integer not null default 0 check (failed >= 0),
  error text,
  started_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id)
);
create index kb_embedding_runs_created_idx on kb_embedding_runs (created_at desc);
create trigger kb_embedding_runs_touch before update on kb_embedding_runs for each row execute function outpost_touch_updated_at();

-- No extra index on kb_embeddings: the embed job reads one article's chunks through the unique
-- key (article_id, model, chunk_index), and a btree on model would tempt the planner away from
-- the HNSW index for "nearest chunks of the active model".
