import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { APP_MANIFEST, PORTAL_MANIFEST, manifestFor } from './manifest';

describe('manifestFor', () => {
	it('gives portal pages the portal app and everything else the main app', () => {
		expect(manifestFor('/portal')).toBe(PORTAL_MANIFEST);
		expect(manifestFor('/portal/new')).toBe(PORTAL_MANIFEST);
		expect(manifestFor('/portal/tickets/0194')).toBe(PORTAL_MANIFEST);
		expect(manifestFor('/portals')).toBe(APP_MANIFEST);
		expect(manifestFor('/tickets')).toBe(APP_MANIFEST);
		expect(manifestFor('/')).toBe(APP_MANIFEST);
	});

	it('the portal manifest is its own app whose scope holds its start_url and its icons exist', () => {
		const m = JSON.parse(fs.readFileSync(`static${PORTAL_MANIFEST}`, 'utf8'));
		expect(m.start_url.startsWith(m.scope)).toBe(true);
		expect(m.id).toBe('/portal');
		for (const icon of m.icons) expect(fs.existsSync(`static${icon.src}`)).toBe(true);
		expect(m.icons.some((i: { purpose?: string }) => i.purpose === 'maskable')).toBe(true);
	});
});
