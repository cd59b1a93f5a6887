-- 0005: the users directory shape carries each person's roles. Shapes are single-table filters
-- (ARCHITECTURE §3), so the role keys are kept on the users row by a trigger on user_roles.
alter table users add column role_keys text[] not null default '{}';

create or replace function outpost_users_role_keys() returns trigger language plpgsql as $$
declare
  uid uuid := coalesce(new.user_id, old.user_id);
begin
  update users
     set role_keys = coalesce((select array_agg(r.key order by r.key) from user_roles ur join roles r on r.id = ur.role_id where ur.user_id = uid), '{}')
   where id = uid;
  return null;
end $$;

create trigger user_roles_role_keys after insert or delete on user_roles
  for each row execute function outpost_users_role_keys();

update users u
   set role_keys = coalesce((select array_agg(r.key order by r.key) from user_roles ur join roles r on r.id = ur.role_id where ur.user_id = u.id), '{}');

-- users' columns changed: regenerate its change-capture trigger (same exclusions as 0003).
select outpost_sync_track('users', array['password_hash', 'password_changed_at', 'external_id', 'email_verified_at', 'last_login_at']);
