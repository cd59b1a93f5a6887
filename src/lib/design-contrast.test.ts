// WCAG AA for the design tokens of src/app.css, in both themes: every text colour on every surface it
// is used on at 4.5:1, focus rings and input outlines at 3:1 (WCAG 1.4.3 and 1.4.11). Reads the
// stylesheet itself, so a token edit that breaks contrast fails here.
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';

const css = fs.readFileSync(path.resolve(__dirname, '../app.css'), 'utf8');

function tokens(selector: string): Record<string, string> {
	const start = css.indexOf(`${selector} {`);
	const body = css.slice(start, css.indexOf('\n}', start));
	return Object.fromEntries([...body.matchAll(/--([a-z0-9-]+):\s*(#[0-9a-f]{6})\b/gi)].map((m) => [m[1], m[2].toLowerCase()]));
}

const dark = tokens(':root');
const light = { ...dark, ...tokens("html[data-theme='light']") };

function luminance(hex: string): number {
	const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
	return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

function contrast(a: string, b: string): number {
	const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
	return (x + 0.05) / (y + 0.05);
}

const SURFACES = ['bg', 'surface', 'surface-2', 'surface-3'];
/** [foreground, backgrounds, minimum ratio] */
const PAIRS: [string, string[], number][] = [
	['text', SURFACES, 4.5],
	['text-muted', SURFACES, 4.5],
	['text-faint', ['bg', 'surface', 'surface-2'], 4.5],
	['primary', ['bg', 'surface', 'surface-2'], 4.5], // links and text buttons
	['danger', ['bg', 'surface'], 4.5], // inline errors
	['on-primary', ['primary'], 4.5],
	['on-primary-soft', ['primary-soft'], 4.5],
	['on-danger-solid', ['danger-solid'], 4.5],
	['on-danger-soft', ['danger-soft'], 4.5],
	['on-success-soft', ['success-soft'], 4.5],
	['on-warning-soft', ['warning-soft'], 4.5],
	['border-strong', ['surface', 'bg', 'surface-2'], 3], // input outlines
	['focus', ['bg', 'surface', 'surface-2'], 3] // focus rings
];

describe.each([
	['dark', dark],
	['light', light]
])('design tokens, %s theme', (_name, t) => {
	it('reads every token the checks need', () => {
		for (const [fg, bgs] of PAIRS) for (const c of [fg, ...bgs]) expect(t[c], c).toMatch(/^#[0-9a-f]{6}$/);
	});
	it.each(PAIRS)('%s on %j meets %d:1', (fg, bgs, min) => {
		for (const bg of bgs) expect(contrast(t[fg], t[bg]), `${fg} ${t[fg]} on ${bg} ${t[bg]}`).toBeGreaterThanOrEqual(min);
	});
});
