// Every mutation the outbox may send, defined once: its name and the zod schema of its args.
// The client validates before queueing, the server validates again before running it; later
// features add their mutations here.
import { z } from 'zod';
import { TicketCreateArgs, TicketUpdateArgs, TicketSetStatusArgs, TicketAssignArgs, CommentAddArgs } from '../tickets/schemas';
import { AssetUpdateArgs } from '../assets/schemas';
import { TicketLinkArgs, TicketUnlinkArgs, TicketSetParentArgs, TicketMergeArgs, TimeEntryAddArgs, MacroApplyArgs } from '../tickets/api';

export const NotificationMarkReadArgs = z
  .object({
    /** These notifications of mine… */
    ids: z.array(z.uuid()).min(1).max(500).optional(),
    /** …or all of mine (created up to `before` when given: what the user saw). */
    all: z.literal(true).optional(),
    before: z.iso.datetime({ offset: true }).optional()
  })
  .refine((a) => (a.ids ? !a.all : a.all), { message: 'give either ids or all: true', path: ['ids'] });
export type NotificationMarkReadArgs = z.output<typeof NotificationMarkReadArgs>;

export interface MutationDef<N extends string = string, A extends z.ZodType = z.ZodType> {
  name: N;
  args: A;
  summary: string;
}

const def = <N extends string, A extends z.ZodType>(name: N, args: A, summary: string): MutationDef<N, A> => ({ name, args, summary });

export const MUTATIONS = {
  'ticket.create': def('ticket.create', TicketCreateArgs, 'Create a ticket with a client-generated UUIDv7 id; the requester defaults to me'),
  'ticket.update': def('ticket.update', TicketUpdateArgs, 'Edit ticket fields; each with the value I saw (base), merged field by field'),
  'ticket.setStatus': def('ticket.setStatus', TicketSetStatusArgs, 'Move a ticket through the workflow from the status I saw'),
  'ticket.assign': def('ticket.assign', TicketAssignArgs, 'Assign a ticket to an agent and/or team, from the values I saw'),
  'comment.add': def('comment.add', CommentAddArgs, 'Add a public reply or an internal note (client-generated UUIDv7 id)'),
  'asset.update': def('asset.update', AssetUpdateArgs, 'Edit asset fields; each with the value I saw (base)'),
  'ticket.link': def('ticket.link', TicketLinkArgs, 'Link two tickets: relates, duplicates or blocks'),
  'ticket.unlink': def('ticket.unlink', TicketUnlinkArgs, 'Remove a link between two tickets'),
  'ticket.setParent': def('ticket.setParent', TicketSetParentArgs, 'Make a ticket the child of another (parent_id null detaches)'),
  'ticket.merge': def('ticket.merge', TicketMergeArgs, 'Merge a ticket into another: conversation and links move, the source closes as merged'),
  'time.add': def('time.add', TimeEntryAddArgs, 'Log minutes of work on a ticket (client-generated UUIDv7 id)'),
  'macro.apply': def('macro.apply', MacroApplyArgs, 'Apply a canned response: insert its text and set its fields'),
  'notification.markRead': def('notification.markRead', NotificationMarkReadArgs, 'Mark some or all of my notifications read')
} as const;

export type MutationName = keyof typeof MUTATIONS;
export type MutationArgs<N extends MutationName> = z.input<(typeof MUTATIONS)[N]['args']>;
export type ParsedMutationArgs<N extends MutationName> = z.output<(typeof MUTATIONS)[N]['args']>;
export const MUTATION_NAMES = Object.keys(MUTATIONS) as MutationName[];

export const isMutationName = (name: string): name is MutationName => Object.hasOwn(MUTATIONS, name);
