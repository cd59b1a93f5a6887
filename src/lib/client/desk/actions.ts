// The desk's writes: every change is a mutation (validated with the same zod schema the server
// uses, loaded on first use by ../mutations.ts, then queued through the outbox with its optimistic
// overlay). Nothing here talks to the
// server directly. Each edit carries the value the agent saw (`base`) so the server can merge or
// report a conflict.
import type { MutationName } from '$lib/domain/mutations/registry';
import { checkTransition } from '$lib/domain/tickets/workflow';
import type { TicketStatus } from '$lib/domain/tickets/schemas';
import { newId } from '$sync/client/ids';
import { sync } from '../sync.svelte';
import { checkMutation } from '../mutations';

export class InvalidChange extends Error {
	constructor(
		message: string,
		readonly fields: Array<{ field: string; message: string }>
	) {
		super(message);
	}
}

async function send(name: MutationName, args: unknown) {
	const checked = await checkMutation(name, args);
	if (!checked.ok) throw new InvalidChange(checked.message, checked.issues);
	return sync.mutate(name, checked.data);
}

export interface Seen {
	id: string;
	status?: string;
	priority?: string;
	assignee_id?: string | null;
	team_id?: string | null;
}

/** Whether an agent may move a ticket between these statuses (the default workflow). */
export function canMove(from: string, to: string): boolean {
	return checkTransition(from as TicketStatus, to as TicketStatus, 'agent').ok;
}

export function setStatus(t: Seen, status: string) {
	return send('ticket.setStatus', { id: t.id, status, base_status: t.status });
}

export function setPriority(t: Seen, priority: string) {
	return send('ticket.update', { id: t.id, set: { priority }, base: { priority: t.priority } });
}

export function assign(t: Seen, assigneeId: string | null) {
	return send('ticket.assign', { id: t.id, set: { assignee_id: assigneeId }, base: { assignee_id: t.assignee_id ?? null } });
}

export function setTeam(t: Seen, teamId: string | null) {
	return send('ticket.assign', { id: t.id, set: { team_id: teamId }, base: { team_id: t.team_id ?? null } });
}

export function addComment(ticketId: string, body: string, internal: boolean) {
	return send('comment.add', { id: newId(), ticket_id: ticketId, body, internal });
}

export interface BulkResult {
	queued: number;
	skipped: number;
}

/** Applies one change to many tickets, one mutation each; tickets it does not apply to are skipped. */
export async function bulk(tickets: Seen[], change: { status?: string; priority?: string; assignee?: string | null }): Promise<BulkResult> {
	let queued = 0;
	let skipped = 0;
	for (const t of tickets) {
		if (change.status !== undefined) {
			if (t.status === change.status || !canMove(String(t.status), change.status)) {
				skipped++;
				continue;
			}
			await setStatus(t, change.status);
		} else if (change.priority !== undefined) {
			if (t.priority === change.priority) {
				skipped++;
				continue;
			}
			await setPriority(t, change.priority);
		} else if (change.assignee !== undefined) {
			if ((t.assignee_id ?? null) === change.assignee || t.status === 'closed') {
				skipped++;
				continue;
			}
			await assign(t, change.assignee);
		}
		queued++;
	}
	return { queued, skipped };
}
