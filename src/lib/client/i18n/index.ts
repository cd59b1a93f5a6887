// A tiny message catalogue: `t(key, params)` looks a key up in the English catalogue, picks the
// plural form by `params.count` and fills `{name}` placeholders. Dates and numbers go through
// Intl in the signed-in user's locale and time zone (falling back to the browser's).
import { en, type Message } from './en';
import type { enMore } from './en-more';

export type MessageKey = keyof typeof en | keyof typeof enMore;
export type MessageParams = Record<string, string | number>;

// The core catalogue is in every route; the strings only other pages use arrive with
// `loadMoreMessages()` (awaited by the root +layout.ts before such a page renders).
const catalogue: Record<string, Message> = { ...en };
let more: Promise<void> | null = null;

/** Loads the rest of the catalogue (./en-more.ts) once; safe to call often. */
export function loadMoreMessages(): Promise<void> {
	more ??= import('./en-more').then(
		(m) => void Object.assign(catalogue, m.enMore),
		(e) => {
			more = null; // offline without the chunk cached: try again on the next page
			throw e;
		}
	);
	return more;
}
const pluralRules = new Intl.PluralRules('en');

export function t(key: MessageKey, params?: MessageParams): string {
	const message = catalogue[key];
	let text: string;
	if (message === undefined) text = key; // not loaded (yet): the key, never a crash
	else if (typeof message === 'string') text = message;
	else {
		const count = Number(params?.count ?? 0);
		const form = pluralRules.select(count) as keyof typeof message;
		text = message[form] ?? message.other;
	}
	if (!params) return text;
	return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

interface FormatPrefs {
	locale?: string;
	timeZone?: string;
}
let prefs: FormatPrefs = {};

function validLocale(locale?: string | null): string | undefined {
	if (!locale) return undefined;
	try {
		return Intl.getCanonicalLocales(locale)[0];
	} catch {
		return undefined;
	}
}
function validTimeZone(timeZone?: string | null): string | undefined {
	if (!timeZone) return undefined;
	try {
		new Intl.DateTimeFormat('en', { timeZone });
		return timeZone;
	} catch {
		return undefined;
	}
}

/** Called by the session when the user is known; unknown or invalid values fall back to the browser. */
export function setFormatPrefs(next: { locale?: string | null; timeZone?: string | null }) {
	prefs = { locale: validLocale(next.locale), timeZone: validTimeZone(next.timeZone) };
	formatters.clear();
}

// Intl formatters are costly to build (≈0.1 ms each): long lists (the desk's virtual queue formats
// several dates per row while scrolling) reuse one per style, rebuilt when the preferences change.
const formatters = new Map<string, Intl.DateTimeFormat | Intl.RelativeTimeFormat>();
function cached<T extends Intl.DateTimeFormat | Intl.RelativeTimeFormat>(key: string, make: () => T): T {
	let f = formatters.get(key) as T | undefined;
	if (!f) formatters.set(key, (f = make()));
	return f;
}

export function formatDateTime(value: string | number | Date | null | undefined, style: 'short' | 'medium' | 'long' = 'medium'): string {
	if (value == null) return '';
	const date = value instanceof Date ? value : new Date(value);
	if (Number.isNaN(date.getTime())) return '';
	return cached(`dt:${style}`, () => new Intl.DateTimeFormat(prefs.locale, { dateStyle: style === 'long' ? 'full' : style, timeStyle: 'short', timeZone: prefs.timeZone })).format(date);
}

export function formatDate(value: string | number | Date | null | undefined, style: 'medium' | 'long' | 'full' = 'medium'): string {
	if (value == null) return '';
	const date = value instanceof Date ? value : new Date(value);
	if (Number.isNaN(date.getTime())) return '';
	return cached(`d:${style}`, () => new Intl.DateTimeFormat(prefs.locale, { dateStyle: style, timeZone: prefs.timeZone })).format(date);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
	['year', 365 * 24 * 3600],
	['month', 30 * 24 * 3600],
	['week', 7 * 24 * 3600],
	['day', 24 * 3600],
	['hour', 3600],
	['minute', 60],
	['second', 1]
];

/** "3 hours ago", "in 2 days"; `now` is injectable for tests. */
export function formatRelative(value: string | number | Date | null | undefined, now = Date.now()): string {
	if (value == null) return '';
	const date = value instanceof Date ? value : new Date(value);
	if (Number.isNaN(date.getTime())) return '';
	const seconds = Math.round((date.getTime() - now) / 1000);
	const rtf = cached('rel', () => new Intl.RelativeTimeFormat(prefs.locale, { numeric: 'auto' })) as Intl.RelativeTimeFormat;
	for (const [unit, size] of UNITS) {
		if (Math.abs(seconds) >= size || unit === 'second') return rtf.format(Math.round(seconds / size), unit);
	}
	return '';
}

export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
	return new Intl.NumberFormat(prefs.locale, options).format(value);
}

/** A wait time for people: "45 seconds", "3 minutes", "2 hours". Rounds up so nobody retries early. */
export function formatWait(totalSeconds: number): string {
	const s = Math.max(1, Math.ceil(totalSeconds));
	if (s < 60) return t('duration.seconds', { count: s });
	if (s < 3600) return t('duration.minutes', { count: Math.ceil(s / 60) });
	return t('duration.hours', { count: Math.ceil(s / 3600) });
}

/** Capitalises a server field message ("must be at least 8 characters") for display under a field. */
export function sentence(text: string): string {
	return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

/** The display name of a role key (`it_manager` → "IT manager"); unknown keys are shown as they are. */
export function roleLabel(role: string): string {
	const key = `role.${role}`;
	return key in catalogue ? t(key as MessageKey) : role;
}
