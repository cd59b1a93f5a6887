// Offline KB ranking: title words count most, more matched words rank higher, drafts and deleted
// articles never show.
import { describe, it, expect } from 'vitest';
import { rankKb } from './kb-index';

const a = (id: string, title: string, extra: Record<string, unknown> = {}) => ({ id, slug: id, title, summary: null, body: '', status: 'published', audience: 'public', ...extra });

describe('rankKb', () => {
	it('ranks by token overlap, title first', () => {
		const arts = [a('body', 'Other', { body: 'vpn client setup' }), a('title', 'VPN client keeps disconnecting'), a('draft', 'VPN client', { status: 'draft' }), a('gone', 'VPN client', { deleted_at: '2026-01-01' }), a('none', 'Printer')];
		const hits = rankKb(arts, 'vpn client disconnecting', 5);
		expect(hits.map((h) => h.id)).toEqual(['title', 'body']);
		expect(hits[0].score).toBeGreaterThan(hits[1].score);
		expect(rankKb(arts, 'the and', 5)).toEqual([]);
	});
});
