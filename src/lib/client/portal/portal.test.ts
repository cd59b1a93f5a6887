import { describe, expect, it } from 'vitest';
import { suggest, terms } from './suggest';
import { blocks } from './markdown';

const art = (id: string, title: string, body = '', tags: string[] = [], more: Record<string, unknown> = {}) => ({ id, slug: id, title, body, tags, status: 'published', audience: 'public', ...more });

describe('suggest', () => {
	const kb = [
		art('vpn', 'Connect to the VPN from home', 'Open the VPN client and sign in.', ['vpn', 'remote']),
		art('printer', 'Printer jams', 'Open tray 2 and remove the paper.', ['printing']),
		art('pwd', 'Reset your password', 'Use the self-service page.', ['account']),
		art('wifi', 'Wi-Fi drops in meeting rooms', 'Forget the network and rejoin; VPN users reconnect the VPN.', ['network']),
		art('draft', 'VPN setup (draft)', '', ['vpn'], { status: 'draft' }),
		art('internal', 'VPN server runbook', '', ['vpn'], { audience: 'internal' })
	];
	it('matches title, tags and body, best first, only published public articles', () => {
		expect(suggest(kb, 'my vpn keeps dropping').map((a) => a.id)).toEqual(['vpn', 'wifi']);
		expect(suggest(kb, 'The printer is jammed').map((a) => a.id)).toEqual(['printer']);
		expect(suggest(kb, 'forgot password').map((a) => a.id)).toEqual(['pwd']);
	});
	it('returns nothing for empty or stop-word text and at most the limit', () => {
		expect(suggest(kb, 'the and')).toEqual([]);
		expect(suggest(kb, 'open', 1)).toHaveLength(1);
		expect(terms('Café WIFI, wifi!')).toEqual(['cafe', 'wifi']);
	});
});

describe('blocks', () => {
	it('turns markdown into text blocks without markup', () => {
		const md = '# Title\n\nFirst line\nsecond line\n\n- one\n- two <b>x</b>\n\n1. a\n2. b\n\n```\n<script>alert(1)</script>\n```';
		expect(blocks(md)).toEqual([
			{ kind: 'heading', level: 2, text: 'Title' },
			{ kind: 'paragraph', text: 'First line second line' },
			{ kind: 'list', ordered: false, items: ['one', 'two <b>x</b>'] },
			{ kind: 'list', ordered: true, items: ['a', 'b'] },
			{ kind: 'code', text: '<script>alert(1)</script>' }
		]);
	});
});
