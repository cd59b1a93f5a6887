-- Email channel: what the ingest pipeline needs beyond email_messages / email_configurations of 0002.
--   * POP3 has no numeric UIDs, only UIDL strings: a mailbox never records the same UIDL twice.
--   * A content hash: messages without a Message-ID get a synthetic one derived from it, so the
--     same message fetched twice is still recognised.
--   * The raw message is kept (nothing is lost, a quarantined message can be replayed) until the
--     file service stores it as a file (email_messages.raw_file_id).
--   * Attachment metadata per message; file_id is filled once attachments go through the file service.
alter table email_messages add column uidl text;
alter table email_messages add column content_sha256 text check (content_sha256 ~ '^[0-9a-f]{64}$');
create unique index email_messages_uidl_key on email_messages (mailbox_id, uidl) where uidl is not null;

create table email_raw_messages (
  email_message_id uuid primary key references email_messages (id) on delete cascade,
  raw bytea not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id)
);

create table email_attachments (
  id uuid primary key default gen_random_uuid(),
  email_message_id uuid not null references email_messages (id) on delete cascade,
  ticket_id uuid references tickets (id) on delete set null,
  comment_id uuid references ticket_comments (id) on delete set null,
  file_name text not null,
  mime_type text not null,
  size_bytes bigint not null check (size_bytes >= 0),
  sha256 text check (sha256 ~ '^[0-9a-f]{64}$'),
  content_id text,
  inline boolean not null default false,
  file_id uuid references files (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id)
);
create index email_attachments_message_idx on email_attachments (email_message_id);
create index email_attachments_ticket_idx on email_attachments (ticket_id) where ticket_id is not null;
create trigger email_attachments_touch before update on email_attachments for each row execute function outpost_touch_updated_at();
