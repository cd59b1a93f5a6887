// The Electric Shape HTTP protocol as `@electric-sql/client` 1.5.x speaks it (see
// docs electric-shape-api.md): header and parameter names, message shapes, offsets.

export const PROTOCOL_VERSION = 1;

export const HEADER = {
  handle: 'electric-handle',
  offset: 'electric-offset',
  schema: 'electric-schema',
  cursor: 'electric-cursor',
  upToDate: 'electric-up-to-date',
  hasData: 'electric-has-data'
} as const;

/** Response headers a browser must be allowed to read (CORS expose list). */
export const EXPOSED_HEADERS = [
  'electric-cursor',
  'electric-handle',
  'electric-has-data',
  'electric-offset',
  'electric-schema',
  'electric-up-to-date',
  'electric-internal-known-error',
  'retry-after'
];

/**
 * Query parameters the gatekeeper forwards (the client's `ELECTRIC_PROTOCOL_QUERY_PARAMS` plus
 * `replica`). `table`, `where`, `params[n]` and `columns` always come from the shape registry.
 */
export const FORWARDED_PARAMS = ['offset', 'handle', 'live', 'cursor', 'log', 'replica', 'expired_handle', 'cache-buster'] as const;

/** `-1`, `now`, or `<tx>_<op>` (op may be `inf`). Opaque to the client. */
export type Offset = string;

export type Operation = 'insert' | 'update' | 'delete';

export interface ChangeMessage {
  key: string;
  value: Record<string, string | null>;
  old_value?: Record<string, string | null>;
  headers: {
    operation: Operation;
    relation: [string, string];
    txids?: number[];
    lsn?: string;
    op_position?: number;
    last?: boolean;
    key_change_to?: string;
    key_change_from?: string;
  };
}

export type ControlMessage =
  | { headers: { control: 'up-to-date'; global_last_seen_lsn?: string } }
  | { headers: { control: 'must-refetch' } }
  | { headers: { control: 'snapshot-end'; xmin: string; xmax: string; xip_list: string[] } };

export type Message = ChangeMessage | ControlMessage;

/** One column of the `electric-schema` header. */
export interface ColumnInfo {
  type: string;
  dims?: number;
  pk_index?: number;
  not_null?: boolean;
  max_length?: number;
  length?: number;
  precision?: number;
  scale?: number;
}
export type Schema = Record<string, ColumnInfo>;

/** Electric's message key: `"schema"."table"/"pk1"/"pk2"`, `/` inside values doubled. */
export function messageKey(table: string, pk: (string | null)[], schema = 'public'): string {
  return `"${schema}"."${table}"/${pk.map((v) => `"${(v ?? '_').replace(/\//g, '//')}"`).join('/')}`;
}

/** 32-bit xid as Electric's `txids` carry it (xid8 mod 2^32). */
export function txid32(xid8: string | bigint): number {
  return Number(BigInt(xid8) & 0xffffffffn);
}

/** Electric's live cursor: 20 s buckets since 2024-10-09, always moving forward. */
export function nextCursor(previous: string | null): string {
  const epoch = Date.UTC(2024, 9, 9) / 1000;
  const now = Math.ceil((Date.now() / 1000 - epoch) / 20) * 20;
  const prev = Number(previous);
  if (previous && Number.isFinite(prev) && now <= prev) return String(prev + 1 + Math.floor(Math.random() * 3600));
  return String(now);
}
