-- 0020 cheaper change capture on updates, and a tickets index no query reads (issues 3 and 5:
-- PostgreSQL CPU per ticket write).
--
-- The capture trigger of 0003 serialised the OLD row whole (every column cast to text into a
-- jsonb) on every update and diffed it against NEW with a jsonb_each query (an SPI statement per
-- row). The log contents stay exactly the same; only the way the changed columns are found changes:
--   * a column is "changed" when its text form differs, as before. For types whose equality means
--     the same text (uuid, text/varchar with a deterministic collation, booleans, integers,
--     timestamps, dates, and arrays of text/uuid), the typed values are compared instead, which needs
--     no casts; every other type (jsonb, numeric, floats, intervals, citext, char(n), …) and every
--     redacted column still compares the text forms;
--   * `old` is built from the changed columns only (jsonb_object of key/value text pairs: values
--     are JSON strings, SQL null is JSON null, exactly what jsonb_build_object of ::text gave);
--   * an update that changes nothing is skipped before NEW is serialised (it logged nothing before
--     either).
-- The insert and delete entries are built by the same expressions as before.

-- The "old values of the changed columns" expression: a text[] of key/value pairs, one pair per
-- changed column (empty when nothing changed).
create or replace function outpost_sync_diff_expr(p_rel regclass, p_cols text[], p_redact jsonb) returns text
language plpgsql stable as $$
declare
  parts text[] := '{}';
  r record;
  v_new text;
  v_old text;
  v_changed text;
begin
  -- One catalog read for all the columns (kept in p_cols order). typed_eq: the type's "=" holds
  -- exactly when the ::text forms are equal (in the capture function's fixed settings: UTC, ISO
  -- dates); text types only with a deterministic collation (default, C, POSIX).
  for r in
    select c.name,
           t.typnamespace = 'pg_catalog'::regnamespace
             and (t.typname in ('uuid', '_uuid', 'bool', 'int2', 'int4', 'int8', 'timestamptz', 'timestamp', 'date')
                  or (t.typname in ('text', 'varchar', '_text', '_varchar') and a.attcollation in (0, 100, 950, 951))) as typed_eq
      from unnest(p_cols) with ordinality c(name, n)
      join pg_attribute a on a.attrelid = p_rel and a.attname = c.name
      join pg_type t on t.oid = a.atttypid
     order by c.n
  loop
    v_new := format('new.%I::text', r.name);
    v_old := format('old.%I::text', r.name);
    if p_redact ? r.name then
      v_new := format('case when new.%I then null else %s end', p_redact ->> r.name, v_new);
      v_old := format('case when old.%I then null else %s end', p_redact ->> r.name, v_old);
      v_changed := format('(%s) is distinct from (%s)', v_new, v_old);
    elsif r.typed_eq then
      v_changed := format('new.%I is distinct from old.%I', r.name, r.name);
    else
      v_changed := format('%s is distinct from %s', v_new, v_old);
    end if;
    parts := parts || format('case when %s then array[%L::text, %s] else ''{}''::text[] end', v_changed, r.name, v_old);
  end loop;
  if coalesce(array_length(parts, 1), 0) = 0 then
    return '''{}''::text[]';
  end if;
  return array_to_string(parts, E'\n          || ');
end $$;

-- Same contract as 0003's (and replaces it): (re)creates the capture trigger of public.<p_table>
-- for its current columns, leaving out tsvector/vector columns and p_exclude, blanking p_redact.
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
      v_pairs text[];
    begin
      if tg_op = 'INSERT' then
        v_new := %s;
        insert into sync_change_log (tbl, op, key, row) values (tg_table_name, 'insert', %s, v_new);
      elsif tg_op = 'UPDATE' then
        v_pairs := %s;
        if cardinality(v_pairs) = 0 then
          return null;
        end if;
        v_new := %s;
        insert into sync_change_log (tbl, op, key, row, old) values (tg_table_name, 'update', %s, v_new, jsonb_object(v_pairs));
      else
        v_old := %s;
        insert into sync_change_log (tbl, op, key, old) values (tg_table_name, 'delete', %s, v_old);
      end if;
      perform pg_notify('outpost_changes', tg_table_name);
      return null;
    end $body$ $f$,
    v_fn,
    outpost_sync_row_expr(v_cols, 'new', p_redact), v_key_new,
    outpost_sync_diff_expr(v_rel, v_cols, p_redact),
    outpost_sync_row_expr(v_cols, 'new', p_redact), v_key_new,
    outpost_sync_row_expr(v_cols, 'old', p_redact), v_key_old);

  execute format('drop trigger if exists outpost_sync_capture on public.%I', p_table);
  execute format('create trigger outpost_sync_capture after insert or update or delete on public.%I for each row execute function %I()', p_table, v_fn);
  execute format('drop trigger if exists outpost_sync_truncate on public.%I', p_table);
  execute format('create trigger outpost_sync_truncate after truncate on public.%I for each statement execute function outpost_sync_truncate()', p_table);
end $fn$;

-- Every tracked table, with the arguments of its latest call (0003, 0005/0010 users, 0008).
select outpost_sync_track('tickets');
select outpost_sync_track('ticket_comments');
select outpost_sync_track('ticket_attachments');
select outpost_sync_track('kb_articles');
select outpost_sync_track('assets');
select outpost_sync_track('change_requests');
select outpost_sync_track('users', array['password_hash', 'password_changed_at', 'external_id', 'email_verified_at', 'last_login_at']);
select outpost_sync_track('teams');
select outpost_sync_track('sla_policies');
select outpost_sync_track('system_settings', '{}', '{"value": "is_secret"}');
select outpost_sync_track('notifications');

-- No query reads this one: SLA policies are never hard-deleted (so the foreign key from tickets
-- needs no index for its checks) and nothing filters tickets by policy. It cost an index entry on
-- every ticket insert and every ticket update (never HOT: updated_at is indexed for the list sort).
-- The other tickets indexes serve a list filter or sort, a queue, the SLA sweep or a sync shape.
drop index if exists tickets_sla_policy_idx;
