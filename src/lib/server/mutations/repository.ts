import { sql, type ColumnType, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** migrations/0004_mutations.sql: the exactly-once ledger of the write path. */
export interface SyncMutationsTable {
  client_id: string;
  mutation_id: string;
  user_id: string;
  name: string;
  status: 'applied' | 'rejected';
  result: ColumnType<unknown, string | null | undefined, string | null>;
  /** bigint: a string when read. */
  txid: ColumnType<string | null, RawBuilder<string> | null | undefined, never>;
  client_time: NullableTimestamp;
  device_time: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  created_by: string | null;
  updated_by: string | null;
}

const ledger = (db: Kysely<DB>) => db.withTables<{ sync_mutations: SyncMutationsTable }>();

/** xid8 mod 2^32 of the current transaction: what Electric's `txids` carry. Assigns an xid if none yet. */
const currentTxid = sql<string>`pg_current_xact_id()::text::bigint % 4294967296`;

export interface LedgerKey {
  client_id: string;
  mutation_id: string;
  user_id: string;
  name: string;
  client_time: Date;
  device_time: Date;
}

export const mutationsRepo = {
  /**
   * Records an applied mutation as the last write of its transaction. A concurrent delivery of the
   * same mutation blocks on the primary key until that transaction ends; if it committed, this
   * insert does nothing and returns null (the caller rolls back and answers with the stored
   * outcome). Otherwise returns the txid: that of this transaction when the mutation wrote synced
   * rows, null when it changed nothing.
   */
  async recordApplied(db: Kysely<DB>, k: LedgerKey, result: unknown, wrote: boolean) {
    const row = await ledger(db)
      .insertInto('sync_mutations')
      .values({ ...k, status: 'applied', result: JSON.stringify(result ?? null), txid: wrote ? currentTxid : null, created_by: k.user_id, updated_by: k.user_id })
      .onConflict((oc) => oc.columns(['client_id', 'mutation_id']).doNothing())
      .returning('txid')
      .executeTakeFirst();
    return row ? { txid: row.txid === null ? null : Number(row.txid) } : null;
  },
  /** Records a rejection (after the mutation's transaction rolled back); false when a row already exists. */
  async reject(db: Kysely<DB>, k: LedgerKey, error: unknown) {
    const row = await ledger(db)
      .insertInto('sync_mutations')
      .values({ ...k, status: 'rejected', txid: null, result: JSON.stringify(error), created_by: k.user_id, updated_by: k.user_id })
      .onConflict((oc) => oc.columns(['client_id', 'mutation_id']).doNothing())
      .returning('mutation_id')
      .executeTakeFirst();
    return !!row;
  },
  get(db: Kysely<DB>, clientId: string, mutationId: string) {
    return ledger(db)
      .selectFrom('sync_mutations')
      .select(['user_id', 'name', 'status', 'result', 'txid'])
      .where('client_id', '=', clientId)
      .where('mutation_id', '=', mutationId)
      .executeTakeFirst();
  }
};
