import { describe, expect, it } from 'vitest';
import { assetSite, byUrgency } from './urgency';

const now = Date.parse('2026-11-25T12:00:00Z');
const iso = (minutes: number) => new Date(now + minutes * 60_000).toISOString();

describe('byUrgency', () => {
	it('puts breached and soonest-due first, then priority, closed last', () => {
		const rows = [
			{ id: 'low-no-sla', status: 'open', priority: 'low', updated_at: iso(-10) },
			{ id: 'closed', status: 'closed', priority: 'urgent', updated_at: iso(-5), resolution_due_at: iso(-100), first_response_at: iso(-200) },
			{ id: 'due-later', status: 'open', priority: 'low', resolution_due_at: iso(300), first_response_at: iso(-60) },
			{ id: 'breached', status: 'open', priority: 'low', resolution_due_at: iso(-30), first_response_at: iso(-60) },
			{ id: 'high-no-sla', status: 'in_progress', priority: 'high', updated_at: iso(-20) },
			{ id: 'due-soon', status: 'open', priority: 'medium', first_response_due_at: iso(20) }
		];
		expect(byUrgency(rows, now).map((r) => r.id)).toEqual(['breached', 'due-soon', 'due-later', 'high-no-sla', 'low-no-sla', 'closed']);
	});
	it('reads the site, falling back to the location', () => {
		expect(assetSite({ site: ' HQ ', location: 'Room 1' })).toBe('HQ');
		expect(assetSite({ site: null, location: 'Depot' })).toBe('Depot');
		expect(assetSite({})).toBe('');
	});
});
