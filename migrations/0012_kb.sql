-- 0012 knowledge base: what the KB service needs beyond the tables of 0002.
--   * "Was this helpful": one vote per user per article (the article keeps the counters, which
--     sync; the votes do not). Changing one's vote moves the counters, never adds a second vote.
--   * revised_at: when the content last changed (a new version). updated_at also moves on every
--     view and vote, so screens show revised_at as "updated".
--   * Drafts from resolved tickets: at most one article per source ticket (the job is
--     idempotent by this index), and the published article it likely duplicates with the score.
create table kb_article_feedback (
  article_id uuid not null references kb_articles (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  helpful boolean not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (article_id, user_id)
);
create index kb_article_feedback_user_idx on kb_article_feedback (user_id);
create trigger kb_article_feedback_touch before update on kb_article_feedback for each row execute function outpost_touch_updated_at();

alter table kb_articles add column revised_at timestamptz;
update kb_articles set revised_at = coalesce(published_at, updated_at);
alter table kb_articles add column suspected_duplicate_id uuid references kb_articles (id) on delete set null;
alter table kb_articles add column suspected_duplicate_score real;
create unique index kb_articles_source_ticket_key on kb_articles (source_ticket_id) where source_ticket_id is not null;

-- kb_articles gained columns: regenerate its change-capture trigger (0003) so they are captured.
select outpost_sync_track('kb_articles');
