// The browser's local database (Dexie on IndexedDB): one table per synced shape, written only by
// the replicator, plus the sync bookkeeping (positions, outbox, overlays, conflicts, txids).
// Store specs live in `sync/client/schema.ts`. `getDb()` is lazy: importing this module during SSR
// or in Node never touches IndexedDB unless a database is actually asked for.
import Dexie, { type Table } from 'dexie';
import {
	SHAPE_STORES,
	SHAPE_STORES_V3,
	SHAPE_STORES_V4,
	SHAPE_STORES_V5,
	SHAPE_NAMES,
	SYNC_STORES,
	storeOf,
	type ConflictRecord,
	type MetaRecord,
	type OutboxRecord,
	type OverlayRecord,
	type PendingTxidRecord,
	type Row,
	type SeenTxidRecord,
	type ShapeStateRecord,
	type SyncDatabase
} from '$sync/client/schema';

import { PAGE_SIZE, type PageRecord } from '$sync/client/packed';
import { DEFAULT_DB_NAME } from './db-name';
import { forgetSavedScreens } from './tickets';

export { DEFAULT_DB_NAME };

/** Row types are open records: the server's shape registry decides the columns. */
export type TicketRow = Row & { number?: number; subject?: string; status?: string; priority?: string; assignee_id?: string | null; team_id?: string | null; requester_id?: string; updated_at?: string };
export type CommentRow = Row & { ticket_id?: string; body?: string; internal?: boolean; created_at?: string };
export type AttachmentRow = Row & { ticket_id?: string; comment_id?: string | null; file_id?: string; file_name?: string; mime_type?: string; size_bytes?: string | number; internal?: boolean };
export type NotificationRow = Row & { user_id?: string; read_at?: string | null; created_at?: string };

/**
 * A file chosen (possibly offline) that waits to be uploaded (src/lib/client/uploads.ts). Its id is
 * the file id the server will use (sent as X-File-Id), so a mutation can reference it at once.
 */
export interface UploadRecord {
	id: string;
	/** Who chose it: uploaded only while that same user is signed in. */
	userId: string;
	/** The bytes; dropped once uploaded. */
	blob: Blob | null;
	name: string;
	/** The type the browser declared (display only; the server sniffs the content). */
	type: string;
	size: number;
	/** queued → uploading → done, or failed (refused by the server: too large, type not allowed…). */
	status: 'queued' | 'uploading' | 'done' | 'failed';
	/** The mutation that references it, when known. */
	mutationId?: string;
	attempts: number;
	lastError?: string;
	/** ms epoch before which no retry is made. */
	nextAttemptAt?: number;
	/** The server's FileMeta once uploaded. */
	meta?: unknown;
	createdAt: number;
	updatedAt: number;
}

export class OutpostDb extends Dexie implements SyncDatabase {
	/** The tickets, packed (sync/client/packed.ts); read them through ./tickets.ts only. */
	ticketPages!: Table<PageRecord, number>;
	/** The first screenful each ticket list last showed (./tickets.ts `saveScreen`). */
	ticketScreens!: Table<{ key: string; rows: unknown[]; savedAt: number }, string>;
	ticket_comments!: Table<CommentRow, string>;
	ticket_attachments!: Table<AttachmentRow, string>;
	kb_articles!: Table<Row, string>;
	assets!: Table<Row, string>;
	change_requests!: Table<Row, string>;
	users!: Table<Row, string>;
	teams!: Table<Row, string>;
	sla_policies!: Table<Row, string>;
	settings!: Table<Row, string>;
	notifications!: Table<NotificationRow, string>;

	shapeState!: Table<ShapeStateRecord, string>;
	outbox!: Table<OutboxRecord, number>;
	overlays!: Table<OverlayRecord, number>;
	conflicts!: Table<ConflictRecord, string>;
	pendingTxids!: Table<PendingTxidRecord, string>;
	seenTxids!: Table<SeenTxidRecord, [number, string]>;
	meta!: Table<MetaRecord, string>;
	uploads!: Table<UploadRecord, string>;

	constructor(name = DEFAULT_DB_NAME, options?: ConstructorParameters<typeof Dexie>[1]) {
		super(name, options);
		// Version history: append a new version() when a store spec changes; never edit old ones
		// once released (Dexie migrates the browser's existing database forward).
		// Version 1 as released: every shape store except those added later.
		const { ticket_attachments, ...v1Shapes } = SHAPE_STORES;
		this.version(1).stores({ ...v1Shapes, ...SYNC_STORES });
		// 2: files chosen offline wait in `uploads` until uploaded (src/lib/client/uploads.ts);
		// the attachments shape.
		this.version(2).stores({ uploads: 'id, status, userId, mutationId, createdAt', ticket_attachments });
		// 3 (sync speed): tickets lose the `status` index, which `[status+updated_at]` covers.
		this.version(3).stores(SHAPE_STORES_V3);
		// 4 (sync speed): tickets lose the `number` index, which nothing queries. Dexie drops the
		// index in place; the rows stay.
		this.version(4).stores(SHAPE_STORES_V4);
		// 5 (sync speed): tickets are stored PAGE_SIZE rows per record; the rows of a version-4
		// database move into pages (its stored position stays valid: same rows), in key order.
		this.version(5)
			.stores(SHAPE_STORES_V5)
			.upgrade(async (tx) => {
				const from = tx.table('tickets');
				const to = tx.table('ticketPages');
				let after: string | undefined;
				for (;;) {
					const rows = (await (after === undefined ? from.orderBy(':id') : from.where(':id').above(after)).limit(PAGE_SIZE * 20).toArray()) as Row[];
					if (!rows.length) break;
					const pages: PageRecord[] = [];
					for (let i = 0; i < rows.length; i += PAGE_SIZE) {
						const chunk = rows.slice(i, i + PAGE_SIZE);
						pages.push({ ids: chunk.map((r) => r.id), rows: chunk });
					}
					await to.bulkAdd(pages);
					after = rows[rows.length - 1].id;
				}
			});
	}
}

const instances = new Map<string, OutpostDb>();

/** The database (opened lazily, one instance per name). Tests pass a unique name. */
export function getDb(name = DEFAULT_DB_NAME): OutpostDb {
	let db = instances.get(name);
	if (!db) {
		db = new OutpostDb(name);
		instances.set(name, db);
	}
	return db;
}

/** Closes and forgets an instance (tests; sign-out with wipe). */
export async function closeDb(name = DEFAULT_DB_NAME, opts: { delete?: boolean } = {}): Promise<void> {
	const db = instances.get(name);
	instances.delete(name);
	if (opts.delete) await (db ?? new OutpostDb(name)).delete();
	else db?.close();
}

/**
 * Sign-out: the synced data of the previous user must not stay readable, so every shape table and
 * the stored stream positions are cleared. The outbox, its overlays and the conflicts stay: they
 * carry their user id and are replayed only when that same user signs in again.
 */
export async function clearSyncedData(db: OutpostDb = getDb()): Promise<void> {
	const tables = [...SHAPE_NAMES.map((n) => db.table(storeOf(n))), db.ticketScreens];
	await db.transaction('rw', [...tables, db.shapeState, db.seenTxids], async () => {
		for (const t of tables) await t.clear();
		await db.shapeState.clear();
		await db.seenTxids.clear();
	});
	forgetSavedScreens();
}
