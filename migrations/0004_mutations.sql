-- 0004 mutations: the exactly-once ledger of the write path (ARCHITECTURE §5).
-- One row per (outbox, mutation id), written in the same transaction as the mutation's effects
-- (applied) or in a short transaction after the rollback (rejected). A retried mutation finds
-- its row and gets the stored outcome back; the primary key decides between concurrent
-- deliveries of the same mutation.
create table sync_mutations (
  client_id uuid not null,
  mutation_id uuid not null,
  user_id uuid not null references users (id),
  name text not null,
  status text not null check (status in ('applied', 'rejected')),
  -- applied: the mutation's result; rejected: the error ({code, reason, fields, …}).
  result jsonb,
  -- xid8 mod 2^32 of the applying transaction (what the shape stream's `txids` carry); null when
  -- the mutation changed nothing (someone had made the same change): there is nothing to wait for.
  txid bigint,
  -- Device time as sent, and the clamped value the writes used.
  client_time timestamptz,
  device_time timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_by uuid references users (id),
  primary key (client_id, mutation_id),
  constraint sync_mutations_txid_check check (status = 'applied' or txid is null)
);
-- Retention: old ledger rows are pruned by age (clients retry within days, not months).
create index sync_mutations_created_idx on sync_mutations (created_at);
