import { describe, expect, it } from 'vitest';
import { rebaseOnTheirs } from './conflicts';

describe('rebaseOnTheirs', () => {
	it('moves a status change onto the status the server has now', () => {
		const c = { name: 'ticket.setStatus', args: { id: 'x', status: 'in_progress', base_status: 'waiting' }, error: { fields: [{ field: 'status', yours: 'in_progress', theirs: 'closed' }] } };
		expect(rebaseOnTheirs(c)).toEqual({ id: 'x', status: 'in_progress', base_status: 'closed' });
		expect(c.args.base_status).toBe('waiting');
	});
	it('rebases only the reported fields of a field edit', () => {
		const c = { name: 'ticket.update', args: { id: 'x', set: { priority: 'high', subject: 'S' }, base: { priority: 'low', subject: 'old' } }, error: { fields: [{ field: 'priority', theirs: 'critical' }] } };
		expect(rebaseOnTheirs(c)).toEqual({ id: 'x', set: { priority: 'high', subject: 'S' }, base: { priority: 'critical', subject: 'old' } });
	});
	it('leaves appends as they are', () => {
		const args = { id: 'c', ticket_id: 't', body: 'note' };
		expect(rebaseOnTheirs({ name: 'comment.add', args, error: { fields: [{ field: 'status', theirs: 'closed' }] } })).toEqual(args);
	});
});
