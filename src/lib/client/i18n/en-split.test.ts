// The catalogue is split (i18n/index.ts): the core (en.ts) is in every route, the rest (en-more.ts)
// loads before other pages render. This checks, over the client sources, that every key a file of
// the first routes (or the shell, or a shared component) names is in the core, and that no key is
// in both files.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from './en';
import { enMore } from './en-more';

/** Files that only pages loading en-more.ts use (mirrors FIRST_ROUTE in src/routes/+layout.ts). */
const LATER = /^src\/(routes\/(admin|kb|survey|reset-password|r|settings|sync|assets)\/|routes\/(tickets|tech)\/\[id\]\/|routes\/portal\/(new|tickets|kb)\/|lib\/components\/(admin|kb)\/)/;

function sources(dir: string, out: string[] = []): string[] {
	for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, e.name);
		if (e.isDirectory()) {
			if (!/\/(server|domain)$|routes\/api$/.test(p)) sources(p, out);
		} else if (/\.(ts|svelte)$/.test(e.name) && !e.name.endsWith('.test.ts') && !p.includes('/i18n/en')) out.push(p);
	}
	return out;
}

describe('i18n catalogue split', () => {
	const core = new Set(Object.keys(en));
	const later = Object.keys(enMore);

	it('has no key in both parts', () => {
		expect(later.filter((k) => core.has(k))).toEqual([]);
	});

	it('keeps every key a first-route or shared file uses in the core catalogue', () => {
		const files = sources('src').filter((f) => !LATER.test(f));
		expect(files.length).toBeGreaterThan(20);
		const missing: string[] = [];
		for (const f of files) {
			const src = fs.readFileSync(f, 'utf8');
			const dynamic = [...src.matchAll(/`([a-zA-Z0-9_.]+\.)\$\{/g)].map((m) => m[1]);
			for (const k of later) if (src.includes(`'${k}'`) || src.includes(`"${k}"`) || dynamic.some((p) => k.startsWith(p))) missing.push(`${f}: ${k}`);
		}
		expect(missing).toEqual([]);
	});
});
