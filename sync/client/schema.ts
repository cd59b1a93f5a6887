// What the browser keeps locally (ARCHITECTURE §4–5): one Dexie table per synced shape, keyed by
// `id`, plus the sync bookkeeping tables. The Dexie class itself lives in `src/lib/client/db.ts`;
// this module only holds the store definitions and record types, so the replicator and the outbox
// can be written against a structural `SyncDatabase` and tested on any Dexie instance.
import type Dexie from 'dexie';
import type { Table } from 'dexie';

import { SHAPE_NAMES, isShapeName, type ShapeName } from '../protocol/shape-names';

export { SHAPE_NAMES, isShapeName, type ShapeName };

/**
 * Dexie index specs per shape as of version 1 (first entry = primary key; later changes are in
 * SHAPE_STORES_V3 below). Only what the agent desk and portal
 * query on; everything else is read by filtering. NULL values are not indexed by IndexedDB, so
 * "unassigned" or "unread" are filters, not index lookups.
 */
export const SHAPE_STORES: Record<ShapeName, string> = {
	tickets:
		'id, number, status, assignee_id, team_id, priority, updated_at, requester_id, [status+updated_at]',
	ticket_comments: 'id, ticket_id, [ticket_id+created_at], requester_id, author_id',
	ticket_attachments: 'id, ticket_id, comment_id, file_id',
	kb_articles: 'id, slug, status, audience, category_id, updated_at, *tags',
	assets: 'id, asset_tag, status, type, assigned_to_id, team_id, updated_at',
	change_requests: 'id, number, status, owner_id, requester_id, team_id, planned_start, updated_at',
	users: 'id, email, name, team_id',
	teams: 'id, name',
	sla_policies: 'id, position',
	settings: 'id, key',
	notifications: 'id, user_id, read_at, created_at, [user_id+created_at], ticket_id'
};

/**
 * Store specs changed since version 1 (db.ts declares them as version 3; version 2 is another
 * store's). Every index costs on every row written — in Chromium about 7 µs of renderer and 7 µs
 * of browser-process CPU per row and index (tests/bench) — so none is kept twice: `status` is
 * served by `[status+updated_at]` (Dexie answers `where('status')` from a compound index's first
 * part).
 */
export const SHAPE_STORES_V3: Partial<Record<ShapeName, string>> = {
	tickets: 'id, number, assignee_id, team_id, priority, updated_at, requester_id, [status+updated_at]'
};

/**
 * Version 4 (sync speed): tickets lose the `number` index, which nothing queries (the desk sorts by
 * number in memory; tests/bench/idb-write-ceiling.mjs prices an index at ~8 µs of CPU per row).
 * Every remaining index has a reader: assignee_id (/tech, "mine", assignee filter), team_id and
 * priority (desk filters), updated_at (first screenful of /portal and the desk), requester_id
 * (/portal), [status+updated_at] (status views and filters, `where('status')`).
 */
export const SHAPE_STORES_V4: Partial<Record<ShapeName, string>> = {
	tickets: 'id, assignee_id, team_id, priority, updated_at, requester_id, [status+updated_at]'
};

/**
 * Version 5 (sync speed): tickets are stored packed, PAGE_SIZE rows per IndexedDB record
 * (`./packed.ts`): Chromium's fixed cost per record made one record per row cap an initial sync at
 * ~5k rows/s. The per-row `tickets` store and its six indexes go; readers filter in memory (the
 * desk already refined and sorted in memory) through `src/lib/client/tickets.ts`.
 */
export const SHAPE_STORES_V5: Record<string, string | null> = {
	tickets: null,
	ticketPages: '++pid, *ids',
	// The first screenful each ticket list last showed (src/lib/client/tickets.ts `saveScreen`), so
	// the next visit paints it from one record instead of reading every page. Synced data: cleared
	// with it.
	ticketScreens: 'key'
};

/** Shapes stored packed (./packed.ts) → their page store. */
export const PACKED_SHAPES: Partial<Record<ShapeName, string>> = { tickets: 'ticketPages' };

/** The Dexie store holding a shape's rows (its page store when packed). */
export function storeOf(shape: string): string {
	return (PACKED_SHAPES as Record<string, string | undefined>)[shape] ?? shape;
}

/** Bookkeeping stores. Bump the Dexie version in db.ts when any spec here changes. */
export const SYNC_STORES = {
	shapeState: 'shape',
	outbox: '++seq, &id, [userId+seq]',
	overlays: '++oid, mutationId, [table+key], table',
	conflicts: 'id, createdAt, userId',
	pendingTxids: 'mutationId, txid',
	seenTxids: '[txid+shape], seenAt',
	meta: 'key'
} as const;

export type Row = Record<string, unknown> & { id: string };

/** Where a shape stream stands, persisted with every applied batch (same Dexie transaction). */
export interface ShapeStateRecord {
	shape: string;
	handle?: string;
	offset: string;
	/** The `electric-schema` of the current handle (column → {type, dims, …}). */
	schema?: Record<string, unknown>;
	/** ms epoch of the last batch that ended in up-to-date. */
	lastSyncedAt?: number;
	/** ms epoch of the last applied batch. */
	updatedAt: number;
	/** Id of the batch that stored this position (the next batch checks it: batches commit in order). */
	batch?: string;
	/** Still in the initial snapshot of an empty store (packed shapes insert without lookups). */
	fresh?: boolean;
}

/** A rejection as the server words it (src/lib/domain/mutations/envelope.ts `MutationError`). */
export interface MutationError {
	/** validation | forbidden | not_found | conflict (or http_<status> when the whole request was refused) */
	code: string;
	/** Human-readable why. */
	reason?: string;
	message?: string;
	/** Per field: what the user wanted (yours), what the server has (theirs), what the user saw (base). */
	fields?: Array<{ field: string; message?: string; yours?: unknown; theirs?: unknown; base?: unknown }>;
	/** What the UI may offer: keep_theirs, apply_mine, reopen, follow_up, discard. */
	choices?: string[];
	[extra: string]: unknown;
}

export interface OutboxRecord {
	seq?: number;
	/** Mutation id (uuid, client generated): the server applies each (clientId, id) exactly once. */
	id: string;
	name: string;
	args: unknown;
	/** ISO time on the device when the user acted. */
	clientTime: string;
	/** Who queued it: replayed only while that same user is signed in. */
	userId: string;
	attempts: number;
	lastError?: string;
	lastAttemptAt?: number;
	createdAt: number;
}

export type OverlayOp = 'insert' | 'update' | 'delete';

/** A pending optimistic change to one row, shown over the synced row until the server confirms it. */
export interface OverlayRecord {
	oid?: number;
	mutationId: string;
	table: string;
	key: string;
	op: OverlayOp;
	/** insert: the whole new row; update: the changed fields; delete: {}. */
	patch: Record<string, unknown>;
	/** Set once the mutation was applied: the txid (xid8 mod 2^32) whose arrival drops the overlay. */
	txid?: number;
	createdAt: number;
}

export interface ConflictRecord {
	/** The rejected mutation's id. */
	id: string;
	name: string;
	args: unknown;
	clientTime: string;
	userId: string;
	error: MutationError;
	/** The overlays that were shown for it (what the user saw before the rejection). */
	overlays: Array<Pick<OverlayRecord, 'table' | 'key' | 'op' | 'patch'>>;
	createdAt: number;
}

/** An applied mutation whose overlays wait for its txid to appear in a shape stream. */
export interface PendingTxidRecord {
	mutationId: string;
	txid: number;
	/** Tables whose overlays are still waiting. */
	tables: string[];
	appliedAt: number;
	/** First time any stream showed the txid. */
	seenAt?: number;
}

/** Txids recently delivered by a stream (the stream can beat the mutation response: §2.7 pitfall 5). */
export interface SeenTxidRecord {
	txid: number;
	shape: string;
	seenAt: number;
}

export interface MetaRecord {
	key: string;
	value: unknown;
}

/** The part of the app database the sync code needs. `OutpostDb` in src/lib/client/db.ts satisfies it. */
export interface SyncDatabase extends Dexie {
	shapeState: Table<ShapeStateRecord, string>;
	outbox: Table<OutboxRecord, number>;
	overlays: Table<OverlayRecord, number>;
	conflicts: Table<ConflictRecord, string>;
	pendingTxids: Table<PendingTxidRecord, string>;
	seenTxids: Table<SeenTxidRecord, [number, string]>;
	meta: Table<MetaRecord, string>;
}

/** Table of a synced shape stored one row per record (rows keyed by id); not for packed shapes. */
export function shapeTable(db: SyncDatabase, shape: string): Table<Row, string> {
	if (storeOf(shape) !== shape) throw new Error(`shape ${shape} is stored packed (sync/client/packed.ts)`);
	return db.table(shape) as Table<Row, string>;
}
