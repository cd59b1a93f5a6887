// Real-time events (ARCHITECTURE §6) derived from committed changes, and who may receive them.
// Pure: the server feeds it the change-log entries the sync tailer publishes (committed, in commit
// order, on every instance) and delivers the result to the rooms it names. Events are small
// pointers ("ticket 42 changed status"): the data itself arrives through the shapes.
import { z } from 'zod';
import { TICKET_INTERNAL_FIELDS } from '../tickets/schemas';

export const REALTIME_EVENT_TYPES = ['ticket:created', 'ticket:updated', 'ticket:assigned', 'comment:added', 'notification:new'] as const;
export type RealtimeEventType = (typeof REALTIME_EVENT_TYPES)[number];

export interface RealtimeEvent {
  type: RealtimeEventType;
  [k: string]: unknown;
}

/** One committed row change, as the change log records it. */
export interface ChangeEntry {
  tbl: string;
  op: 'insert' | 'update' | 'delete' | 'truncate';
  /** insert/update: the new row. */
  row: Record<string, unknown> | null;
  /** update: old values of the changed columns. */
  old: Record<string, unknown> | null;
}

/**
 * Where an event goes. Each socket in any of `rooms` gets it once: `staff` when its user may read
 * internal notes (`comments.internal`), otherwise `others` — null means nothing for them.
 */
export interface Routed {
  rooms: string[];
  staff: RealtimeEvent | null;
  others: RealtimeEvent | null;
}

export const userRoom = (id: string) => `user:${id}`;
export const ticketRoom = (id: string) => `ticket:${id}`;
/** Sockets of users who may read every ticket (new tickets are announced to them). */
export const STAFF_ROOM = 'staff';

/** Bookkeeping columns: a change to only these is not news (a comment's touch, a sync stamp). */
const NOISE = new Set(['updated_at', 'updated_by', 'client_updated_at', 'last_activity_at', 'search_vector', 'priority_rank']);
const INTERNAL = new Set(TICKET_INTERNAL_FIELDS);

// The change log holds every value as text (jsonb of `col::text`).
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (v === null || v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));
const bool = (v: unknown): boolean => v === true || v === 'true' || v === 't';

function ticketRooms(row: Record<string, unknown>, extra: unknown[] = []): string[] {
  const rooms = new Set<string>([ticketRoom(String(row.id))]);
  for (const u of [row.requester_id, row.assignee_id, ...extra]) if (u) rooms.add(userRoom(String(u)));
  return [...rooms];
}

/** The events of one committed change (usually one, an assignment also a ticket:updated). */
export function routeChange(e: ChangeEntry): Routed[] {
  const row = e.row;
  if (!row) return [];
  if (e.tbl === 'tickets') {
    if (e.op === 'insert') {
      const ev: RealtimeEvent = {
        type: 'ticket:created',
        ticketId: str(row.id),
        number: num(row.number),
        subject: row.subject ?? null,
        status: row.status ?? null,
        priority: row.priority ?? null,
        requesterId: str(row.requester_id),
        by: str(row.created_by)
      };
      const others: RealtimeEvent = { ...ev };
      const staff: RealtimeEvent = { ...ev, assigneeId: str(row.assignee_id), teamId: str(row.team_id) };
      return [{ rooms: [...ticketRooms(row), STAFF_ROOM], staff, others }];
    }
    if (e.op !== 'update' || !e.old) return [];
    const fields = Object.keys(e.old).filter((f) => !NOISE.has(f)).sort();
    if (!fields.length) return [];
    // Who: a service edit stamps updated_at/updated_by; a comment's touch of the ticket does not
    // (its comment:added names the author), so then nobody is named rather than a stale editor.
    const stamped = 'updated_at' in e.old || 'updated_by' in e.old;
    const base = { ticketId: str(row.id), number: num(row.number), by: stamped ? str(row.updated_by) : null };
    const publicFields = fields.filter((f) => !INTERNAL.has(f));
    const out: Routed[] = [
      {
        rooms: ticketRooms(row, [e.old.assignee_id]),
        staff: { type: 'ticket:updated', ...base, fields },
        others: publicFields.length ? { type: 'ticket:updated', ...base, fields: publicFields } : null
      }
    ];
    if ('assignee_id' in e.old || 'team_id' in e.old) {
      const prevAssignee = 'assignee_id' in e.old ? str(e.old.assignee_id) : str(row.assignee_id);
      out.push({
        rooms: ticketRooms(row, [prevAssignee]),
        staff: {
          type: 'ticket:assigned',
          ...base,
          assigneeId: str(row.assignee_id),
          teamId: str(row.team_id),
          previousAssigneeId: prevAssignee,
          previousTeamId: 'team_id' in e.old ? str(e.old.team_id) : str(row.team_id)
        },
        // Assignment is internal (TICKET_INTERNAL_FIELDS): a requester sees it through the shapes only.
        others: null
      });
    }
    return out;
  }
  if (e.tbl === 'ticket_comments' && e.op === 'insert') {
    const internal = bool(row.internal);
    const ev: RealtimeEvent = {
      type: 'comment:added',
      ticketId: str(row.ticket_id),
      commentId: str(row.id),
      internal,
      authorId: str(row.author_id),
      authorType: row.author_type ?? null
    };
    const rooms = [ticketRoom(String(row.ticket_id))];
    if (row.requester_id && !internal) rooms.push(userRoom(String(row.requester_id)));
    return [{ rooms, staff: ev, others: internal ? null : ev }];
  }
  if (e.tbl === 'notifications' && e.op === 'insert' && row.user_id) {
    const ev: RealtimeEvent = {
      type: 'notification:new',
      id: str(row.id),
      kind: row.type ?? null,
      title: row.title ?? null,
      body: typeof row.body === 'string' ? row.body.slice(0, 280) : null,
      link: row.link ?? null,
      ticketId: str(row.ticket_id)
    };
    return [{ rooms: [userRoom(String(row.user_id))], staff: ev, others: ev }];
  }
  return [];
}

// ─── Client → server messages of the real-time protocol ─────────────────────────────────────
export const PRESENCE_STATES = ['viewing', 'typing', 'idle'] as const;
export type PresenceState = (typeof PRESENCE_STATES)[number];

export const TicketWatchMessage = z.object({ type: z.literal('ticket.watch'), ticketId: z.uuid() });
export const TicketUnwatchMessage = z.object({ type: z.literal('ticket.unwatch'), ticketId: z.uuid() });
export const PresenceSetMessage = z.object({ type: z.literal('presence.set'), ticketId: z.uuid(), state: z.enum(PRESENCE_STATES) });

/** A user's presence on a ticket, as listed in `presence` events. */
export interface PresenceUser {
  userId: string;
  name: string;
  state: PresenceState;
}

const RANK: Record<PresenceState, number> = { idle: 0, viewing: 1, typing: 2 };

/** One line per user (several tabs collapse to the liveliest state), ordered by name. */
export function collapsePresence(entries: Iterable<PresenceUser>): PresenceUser[] {
  const byUser = new Map<string, PresenceUser>();
  for (const e of entries) {
    const cur = byUser.get(e.userId);
    if (!cur || RANK[e.state] > RANK[cur.state]) byUser.set(e.userId, { userId: e.userId, name: e.name, state: e.state });
  }
  return [...byUser.values()].sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
}
