-- A change to a table's definition reaches the sync engine at once: the engine LISTENs on
-- outpost_changes, and a 'schema' payload makes it drop its cached table schemas and answer the
-- waiting long-polls of changed shapes with 409 must-refetch (otherwise it notices within 60 s).
-- Event triggers need a superuser; without one this is skipped with a notice and the 60 s check
-- remains.
create or replace function outpost_ddl_notify() returns event_trigger language plpgsql as $$
begin
  perform pg_notify('outpost_changes', 'schema');
end
$$;

do $$
begin
  if not exists (select 1 from pg_event_trigger where evtname = 'outpost_ddl_changed') then
    create event trigger outpost_ddl_changed on ddl_command_end
      when tag in ('ALTER TABLE', 'DROP TABLE', 'CREATE TABLE', 'ALTER TYPE', 'DROP TYPE', 'ALTER DOMAIN')
      execute function outpost_ddl_notify();
  end if;
exception when insufficient_privilege then
  raise notice 'outpost: not a superuser, schema changes reach sync clients within 60 s instead of at once';
end
$$;
