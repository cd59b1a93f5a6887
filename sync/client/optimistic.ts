// What each mutation looks like locally before the server confirms it: overlays derived from the
// mutation's args (src/lib/domain/mutations/registry.ts). Args use the synced rows' column names,
// so an edit's `set` is laid over the row as is. Server-computed values (ticket number, SLA due
// dates, history) simply appear when the confirmed row streams in.
import type { OptimisticFn, OptimisticRegistry, OverlaySpec } from './outbox';
import { normalizeTimestamp } from './values';

type Obj = Record<string, unknown>;
const pick = (o: Obj, keys: string[]) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));

const fns: OptimisticRegistry = {
	'ticket.create': (a: Obj, { userId, now }): OverlaySpec[] => [
		{
			table: 'tickets',
			key: String(a.id),
			op: 'insert',
			patch: {
				status: 'new',
				priority: 'medium',
				tags: [],
				assignee_id: null,
				team_id: null,
				requester_id: userId,
				created_at: now,
				updated_at: now,
				last_activity_at: now,
				...pick(a, ['id', 'subject', 'description', 'priority', 'type_id', 'category_id', 'requester_id'])
			}
		}
	],
	'ticket.update': (a: Obj, { now }) => [{ table: 'tickets', key: String(a.id), op: 'update', patch: { ...(a.set as Obj), updated_at: now } }],
	'ticket.setStatus': (a: Obj, { now }) => [
		{
			table: 'tickets',
			key: String(a.id),
			op: 'update',
			patch: {
				...pick(a, ['status', 'waiting_reason', 'resolution_code', 'resolution_notes']),
				...(a.status === 'resolved' ? { resolved_at: now } : {}),
				...(a.status === 'closed' ? { closed_at: now } : {}),
				updated_at: now
			}
		}
	],
	'ticket.assign': (a: Obj, { now }) => [{ table: 'tickets', key: String(a.id), op: 'update', patch: { ...(a.set as Obj), updated_at: now } }],
	'comment.add': (a: Obj, { userId, now }) => [
		{
			table: 'ticket_comments',
			key: String(a.id),
			op: 'insert',
			patch: {
				internal: false,
				author_id: userId,
				created_at: now,
				updated_at: now,
				...pick(a, ['id', 'ticket_id', 'body', 'internal', 'time_spent_minutes'])
			}
		},
		{ table: 'tickets', key: String(a.ticket_id), op: 'update', patch: { last_activity_at: now } }
	],
	'asset.update': (a: Obj, { now }) => [{ table: 'assets', key: String(a.id), op: 'update', patch: { ...(a.set as Obj), updated_at: now } }],
	// tickets lifecycle: links, time entries and canned responses are not synced tables yet, so
	// only what they change on the ticket row shows before the server confirms it.
	'ticket.setParent': (a: Obj, { now }) => [{ table: 'tickets', key: String(a.id), op: 'update', patch: { parent_id: a.parent_id, updated_at: now } }],
	'ticket.merge': (a: Obj, { now }) => [
		{ table: 'tickets', key: String(a.id), op: 'update', patch: { status: 'closed', merged_into_id: a.target_id, resolution_code: 'duplicate', closed_at: now, updated_at: now } }
	],
	'ticket.link': () => [],
	'ticket.unlink': () => [],
	'time.add': () => [],
	'macro.apply': () => [],
	// `all: true` has no ids to show: the caller passes the overlays of the rows it displays.
	'notification.markRead': (a: Obj, { now }) =>
		Array.isArray(a.ids) ? a.ids.map((id) => ({ table: 'notifications', key: String(id), op: 'update' as const, patch: { read_at: now } })) : []
};

/** Timestamps in overlays use the same canonical form as synced rows (./values.ts). */
export const defaultOptimistic: OptimisticRegistry = Object.fromEntries(
	Object.entries(fns).map(([name, fn]): [string, OptimisticFn] => [name, (args, ctx) => fn(args, { ...ctx, now: normalizeTimestamp(ctx.now) })])
);
