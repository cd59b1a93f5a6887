import 'fake-indexeddb/auto';
import { describe, it, expect, afterAll } from 'vitest';
import { KbIndex, stem, terms, words, type KbDoc } from './kb-index-core';
import { searchLocalKb, resetLocalKb } from './kb-index';
import { OutpostDb } from './db';

let n = 0;
const doc = (title: string, body = '', extra: Partial<KbDoc> = {}): KbDoc => ({ id: `a${++n}`, slug: `s${n}`, title, summary: null, body, tags: [], status: 'published', ...extra });
const ids = (hits: { title: string }[]) => hits.map((h) => h.title);

describe('stemming and stop words', () => {
	it('brings word forms together', () => {
		expect(stem('passwords')).toBe(stem('password'));
		expect(stem('printing')).toBe(stem('print'));
		expect(stem('printed')).toBe(stem('print'));
		expect(stem('connection')).toBe(stem('connect'));
		expect(stem('connecting')).toBe(stem('connect'));
		expect(stem('policies')).toBe(stem('policy'));
		expect(stem('mapping')).toBe(stem('map'));
		expect(stem('access')).toBe('access');
		expect(stem('windows11')).toBe('windows11');
	});
	it('drops stop words', () => {
		expect(terms('How do I reset my password?')).toEqual(['reset', stem('password')]);
	});
});

describe('portal suggestions (the cases of the former portal suggest(), on the KB index)', () => {
	const index = new KbIndex();
	const art = (title: string, body: string, tags: string[], extra: Partial<KbDoc> = {}) => doc(title, body, { tags, audience: 'public', ...extra });
	const vpn = art('Connect to the VPN from home', 'Open the VPN client and sign in.', ['vpn', 'remote']);
	const printer = art('Printer jams', 'Open tray 2 and remove the paper.', ['printing']);
	const pwd = art('Reset your password', 'Use the self-service page.', ['account']);
	const wifi = art('Wi-Fi drops in meeting rooms', 'Forget the network and rejoin; VPN users reconnect the VPN.', ['network']);
	const draft = art('VPN setup (draft)', '', ['vpn'], { status: 'draft' });
	const internal = art('VPN server runbook', '', ['vpn'], { audience: 'internal' });
	for (const d of [vpn, printer, pwd, wifi, draft, internal]) index.add(d);
	// what the portal offers (routes/portal/new: published, public)
	const publicOnly = (d: KbDoc) => d.status === 'published' && d.audience === 'public';

	it('matches title, tags and body, best first, only published public articles', () => {
		// The index stems "dropping" to meet "drops": the Wi-Fi article matches both words (title and
		// body), the VPN one only "vpn" (title, tags, body); the draft and the internal one never show.
		expect(ids(index.search('my vpn keeps dropping', { filter: publicOnly }))).toEqual([wifi.title, vpn.title]);
		expect(ids(index.search('vpn', { filter: publicOnly }))).toEqual([vpn.title, wifi.title]);
		expect(ids(index.search('The printer is jammed', { filter: publicOnly })).slice(0, 1)).toEqual([printer.title]);
		expect(ids(index.search('forgot password', { filter: publicOnly }))).toEqual([pwd.title]);
	});
	it('returns nothing for stop-word text and at most the limit', () => {
		expect(index.search('the and', { filter: publicOnly })).toEqual([]);
		expect(index.search('open', { filter: publicOnly, limit: 1 })).toHaveLength(1);
		expect(words('Café WIFI, wifi!')).toEqual(['cafe', 'wifi', 'wifi']);
	});
});

describe('KB ranking', () => {
	const index = new KbIndex();
	const vpnTitle = doc('Connect to the VPN from home', 'Open the client and sign in.', { tags: ['remote-access'] });
	const vpnBody = doc('Working remotely', 'You can use the VPN for remote work. The VPN needs your badge.');
	const pwd = doc('Reset your password', 'Use the self-service page to reset a forgotten password.', { summary: 'Forgotten passwords' });
	const printer = doc('Printer shows offline', 'Printing fails when the printer is offline; restart the print spooler.');
	const outlook = doc('Outlook keeps asking for your password', 'Clear Credential Manager entries.');
	const draft = doc('VPN draft notes', 'vpn vpn vpn', { status: 'draft' });
	for (const d of [vpnTitle, vpnBody, pwd, printer, outlook, draft]) index.add(d);
	const published = (d: KbDoc) => d.status === 'published';

	it('weights the title over the body', () => {
		expect(ids(index.search('vpn ', { filter: published }))).toEqual([vpnTitle.title, vpnBody.title]);
	});
	it('ranks articles matching every word above those matching some', () => {
		const hits = index.search('outlook password ', { filter: published });
		expect(hits[0].title).toBe(outlook.title);
		expect(ids(hits)).toContain(pwd.title);
	});
	it('matches word forms through stemming', () => {
		expect(index.search('printing problems ')[0].title).toBe(printer.title);
		expect(index.search('forgotten passwords ')[0].title).toBe(pwd.title);
	});
	it('completes the word being typed by prefix', () => {
		expect(index.search('passw')[0].title).toMatch(/password/i);
		expect(index.search('outl')[0].title).toBe(outlook.title);
		// A finished word (followed by a space) is not a prefix.
		expect(index.search('outl ')).toEqual([]);
	});
	it('ignores stop words and empty queries', () => {
		expect(index.search('the and of ')).toEqual([]);
		expect(index.search('')).toEqual([]);
	});
	it('filters and limits', () => {
		expect(index.search('vpn ', { filter: published }).map((h) => h.id)).not.toContain(draft.id);
		expect(index.search('vpn ').map((h) => h.id)).toContain(draft.id);
		expect(index.search('vpn ', { limit: 1 })).toHaveLength(1);
	});
	it('re-indexes changes and forgets removed articles', () => {
		const i2 = new KbIndex();
		const a = doc('Wi-Fi guest access');
		i2.add(a);
		expect(i2.search('guest ')).toHaveLength(1);
		i2.add({ ...a, title: 'Visitor network', stamp: '2' });
		expect(i2.search('guest ')).toEqual([]);
		expect(i2.search('visitor ')).toHaveLength(1);
		i2.remove(a.id);
		expect(i2.search('visitor ')).toEqual([]);
		expect(i2.size).toBe(0);
	});
});

describe('searchLocalKb over Dexie', () => {
	const db = new OutpostDb(`kb-index-test-${Date.now()}`);
	afterAll(async () => {
		resetLocalKb();
		db.close();
	});
	it('indexes the synced table and follows its changes', async () => {
		await db.kb_articles.bulkPut([
			{ id: 'k1', slug: 'vpn', title: 'Connect to the VPN', summary: 'Remote access', body: 'Steps', tags: ['vpn'], status: 'published', audience: 'public', updated_at: '1' },
			{ id: 'k2', slug: 'vpn-draft', title: 'VPN internals', summary: null, body: '', tags: [], status: 'draft', audience: 'internal', updated_at: '1' },
			{ id: 'k3', slug: 'gone', title: 'VPN old', summary: null, body: '', tags: [], status: 'published', audience: 'public', updated_at: '1', deleted_at: '2020-01-01' }
		]);
		const hits = await searchLocalKb('vpn', { db });
		expect(hits).toEqual([{ id: 'k1', slug: 'vpn', title: 'Connect to the VPN', summary: 'Remote access', score: expect.any(Number) }]);
		expect((await searchLocalKb('vpn', { db, all: true })).map((h) => h.id).sort()).toEqual(['k1', 'k2']);
		await db.kb_articles.put({ id: 'k4', slug: 'printer', title: 'Printer offline', summary: null, body: '', tags: [], status: 'published', audience: 'public', updated_at: '1' });
		let found: unknown[] = [];
		for (let i = 0; i < 50 && !found.length; i++) {
			await new Promise((r) => setTimeout(r, 20));
			found = await searchLocalKb('printer', { db });
		}
		expect(found).toHaveLength(1);
	});
});
