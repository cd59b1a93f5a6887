// Ticket statuses, priorities and resolution codes as plain values, without zod, so screens can
// list them without loading the schemas (./schemas.ts builds its enums from these).
export const TICKET_STATUSES = ['new', 'in_progress', 'waiting', 'resolved', 'closed'] as const;
export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export const RESOLUTION_CODES = ['solved', 'workaround', 'not_reproducible', 'duplicate', 'cancelled', 'no_response', 'other'] as const;
