// One ticket and its conversation from local data with this device's pending changes laid over
// them: the reads behind the desk, technician and portal ticket pages (wrap in liveQuery).
import { applyOverlays, withOverlays, type WithPending } from '$sync/client/overlays';
import type { CommentRow, OutpostDb, TicketRow } from '$lib/client/db';
import { getTicket } from '$lib/client/tickets';

/** The ticket, or null when this device does not hold it. */
export async function readTicket(db: OutpostDb, id: string): Promise<WithPending<TicketRow> | null> {
	const [row, overlays] = await Promise.all([getTicket(db, id), db.overlays.where('[table+key]').equals(['tickets', id]).toArray()]);
	return (applyOverlays(row, overlays) as WithPending<TicketRow> | undefined) ?? null;
}

/** Its live comments in time order; `publicOnly` leaves internal notes out (the portal). */
export async function readComments(db: OutpostDb, id: string, opts: { publicOnly?: boolean; newestFirst?: boolean } = {}): Promise<WithPending<CommentRow>[]> {
	const [rows, overlays] = await Promise.all([db.ticket_comments.where('ticket_id').equals(id).toArray(), db.overlays.where('table').equals('ticket_comments').toArray()]);
	const order = opts.newestFirst ? -1 : 1;
	return withOverlays(rows, overlays, { filter: (c) => c.ticket_id === id && !c.deleted_at && !(opts.publicOnly && c.internal) }).sort(
		(x, y) => order * String(x.created_at ?? '').localeCompare(String(y.created_at ?? ''))
	);
}
