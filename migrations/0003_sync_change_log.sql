-- 0003 sync change log: change capture and persisted state for the embedded shape engine
-- (ARCHITECTURE §4, sync/server). PostgreSQL 15 and PGlite alike: no logical replication.
--
-- Every synced table gets an AFTER row trigger that appends the row, already in PostgreSQL text
-- encoding (what Electric sends: timestamps ISO in UTC, booleans 'true'/'false', arrays and jsonb
-- as their text), to sync_change_log. The engine tails the log by snapshots: each read takes the
-- entries of the transactions that became visible since the previous read's snapshot, ordered by
-- seq (sync/server/tailer.ts explains why this keeps each row's order and loses nothing).
--
-- A migration that changes a synced table's columns must call outpost_sync_track() again for it.

create table sync_change_log (
  seq bigserial primary key,
  txid xid8 not null default pg_current_xact_id(),
  tbl text not null,
  op text not null check (op in ('insert', 'update', 'delete', 'truncate')),
  -- Primary key as text ('/'-joined, '/' doubled, for composite keys); null for truncate.
  key text,
  -- insert/update: the new row; delete: null. Column → text value or null.
  row jsonb,
  -- update: the old values of the changed columns only; delete: the whole old row.
  old jsonb,
  at timestamptz not null default now()
);
create index sync_change_log_txid_idx on sync_change_log (txid, seq);

-- The tailer's windows, written before their entries are served. Window w holds the entries of
-- the transactions visible in snapshot `snap` and not in `prev` (they committed in between); an
-- offset <w>_<seq> names the entry seq of window w and stays valid across restarts.
create table sync_windows (
  w bigint primary key,
  snap text not null,
  prev text not null,
  first_seq bigint,
  last_seq bigint,
  entries integer,
  at timestamptz not null default now()
);

-- One row per shape handle: the definition it serves, where its log starts and the snapshot
-- it was taken in. Handles are time + randomness and never reused.
create table sync_shapes (
  handle text primary key,
  identity text not null,
  tbl text not null,
  definition jsonb not null,
  schema_hash text not null,
  start_offset text not null,
  snapshot text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz not null default now()
);
create index sync_shapes_last_used_idx on sync_shapes (last_used_at);
create index sync_shapes_tbl_idx on sync_shapes (tbl);

-- Engine state that outlives a restart (history horizon after retention, …).
create table sync_engine_state (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null default now()
);

create or replace function outpost_sync_truncate() returns trigger language plpgsql as $$
begin
  insert into sync_change_log (tbl, op) values (tg_table_name, 'truncate');
  perform pg_notify('outpost_changes', tg_table_name);
  return null;
end $$;

-- jsonb_build_object(...) || ... over the columns of record p_rec ('new' or 'old'), each cast to
-- text; p_redact maps a column to a boolean column that, when true, blanks it (secret settings).
create or replace function outpost_sync_row_expr(p_cols text[], p_rec text, p_redact jsonb) returns text
language plpgsql immutable as $$
declare
  parts text[] := '{}';
  pairs text[] := '{}';
  c text;
  v text;
begin
  foreach c in array p_cols loop
    v := format('%s.%I::text', p_rec, c);
    if p_redact ? c then
      v := format('case when %s.%I then null else %s end', p_rec, p_redact ->> c, v);
    end if;
    pairs := pairs || format('%L, %s', c, v);
    -- jsonb_build_object takes at most 100 arguments.
    if array_length(pairs, 1) = 40 then
      parts := parts || ('jsonb_build_object(' || array_to_string(pairs, ', ') || ')');
      pairs := '{}';
    end if;
  end loop;
  if coalesce(array_length(pairs, 1), 0) > 0 then
    parts := parts || ('jsonb_build_object(' || array_to_string(pairs, ', ') || ')');
  end if;
  return array_to_string(parts, ' || ');
end $$;

-- (Re)creates the capture trigger of public.<p_table> for its current columns. Left out: tsvector
-- and vector columns (derived, large) and p_exclude (credentials never belong in a log).
create or replace function outpost_sync_track(p_table text, p_exclude text[] default '{}', p_redact jsonb default '{}') returns void
language plpgsql as $fn$
declare
  v_rel regclass := format('public.%I', p_table)::regclass;
  v_cols text[];
  v_pk text[];
  v_fn text := 'outpost_sync_capture_' || p_table;
  v_key_new text;
  v_key_old text;
begin
  select array_agg(a.attname::text order by a.attnum) into v_cols
    from pg_attribute a join pg_type t on t.oid = a.atttypid
   where a.attrelid = v_rel and a.attnum > 0 and not a.attisdropped
     and t.typname not in ('tsvector', 'vector') and a.attname <> all (p_exclude);
  select array_agg(a.attname::text order by array_position(i.indkey::int2[], a.attnum)) into v_pk
    from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any (i.indkey::int2[])
   where i.indrelid = v_rel and i.indisprimary;
  if v_pk is null then
    raise exception 'outpost_sync_track: % has no primary key', p_table;
  end if;
  select string_agg(format('replace(new.%I::text, ''/'', ''//'')', c), ' || ''/'' || '),
         string_agg(format('replace(old.%I::text, ''/'', ''//'')', c), ' || ''/'' || ')
    into v_key_new, v_key_old from unnest(v_pk) c;

  execute format($f$
    create or replace function %I() returns trigger language plpgsql
      set timezone to 'UTC' set datestyle to 'ISO, DMY' set intervalstyle to 'iso_8601'
      set extra_float_digits to 1 set bytea_output to 'hex'
    as $body$
    declare
      v_new jsonb;
      v_old jsonb;
      v_diff jsonb;
    begin
      if tg_op = 'INSERT' then
        v_new := %s;
        insert into sync_change_log (tbl, op, key, row) values (tg_table_name, 'insert', %s, v_new);
      elsif tg_op = 'UPDATE' then
        v_new := %s;
        v_old := %s;
        select coalesce(jsonb_object_agg(o.key, o.value), '{}'::jsonb) into v_diff
          from jsonb_each(v_old) o where (v_new -> o.key) is distinct from o.value;
        if v_diff = '{}'::jsonb then
          return null;
        end if;
        insert into sync_change_log (tbl, op, key, row, old) values (tg_table_name, 'update', %s, v_new, v_diff);
      else
        v_old := %s;
        insert into sync_change_log (tbl, op, key, old) values (tg_table_name, 'delete', %s, v_old);
      end if;
      perform pg_notify('outpost_changes', tg_table_name);
      return null;
    end $body$ $f$,
    v_fn,
    outpost_sync_row_expr(v_cols, 'new', p_redact), v_key_new,
    outpost_sync_row_expr(v_cols, 'new', p_redact), outpost_sync_row_expr(v_cols, 'old', p_redact), v_key_new,
    outpost_sync_row_expr(v_cols, 'old', p_redact), v_key_old);

  execute format('drop trigger if exists outpost_sync_capture on public.%I', p_table);
  execute format('create trigger outpost_sync_capture after insert or update or delete on public.%I for each row execute function %I()', p_table, v_fn);
  execute format('drop trigger if exists outpost_sync_truncate on public.%I', p_table);
  execute format('create trigger outpost_sync_truncate after truncate on public.%I for each statement execute function outpost_sync_truncate()', p_table);
end $fn$;

select outpost_sync_track('tickets');
select outpost_sync_track('ticket_comments');
select outpost_sync_track('kb_articles');
select outpost_sync_track('assets');
select outpost_sync_track('change_requests');
select outpost_sync_track('users', array['password_hash', 'password_changed_at', 'external_id', 'email_verified_at', 'last_login_at']);
select outpost_sync_track('teams');
select outpost_sync_track('sla_policies');
select outpost_sync_track('system_settings', '{}', '{"value": "is_secret"}');
select outpost_sync_track('notifications');
