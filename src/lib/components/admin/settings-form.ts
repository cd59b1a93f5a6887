// The admin settings form: which inputs each setting gets, and the conversions between the
// stored JSON values and the strings/booleans the inputs hold. Ranges mirror the domain schemas
// in src/lib/domain/settings/schemas.ts (the server validates again).
import type { MessageKey } from '$lib/client/i18n';

export type FieldKind = 'text' | 'int' | 'bool' | 'mb';

export interface FieldSpec {
	/** `key` or `key.sub`; also the error key. */
	path: string;
	key: string;
	sub?: string;
	kind: FieldKind;
	label: MessageKey;
	unit?: MessageKey;
	min?: number;
	max?: number;
	maxLength?: number;
}

export interface SettingSpec {
	key: string;
	label: MessageKey;
	fields: FieldSpec[];
}

export interface GroupSpec {
	id: string;
	title: MessageKey;
	description: MessageKey;
	settings: SettingSpec[];
}

const MB = 1024 * 1024;

function field(key: string, sub: string | undefined, kind: FieldKind, label: MessageKey, extra: Partial<FieldSpec> = {}): FieldSpec {
	return { path: sub ? `${key}.${sub}` : key, key, sub, kind, label, ...extra };
}

export const GROUPS: GroupSpec[] = [
	{
		id: 'org',
		title: 'settings.group.org',
		description: 'settings.group.orgBody',
		settings: [{ key: 'org.name', label: 'settings.org.name', fields: [field('org.name', undefined, 'text', 'settings.org.name', { maxLength: 120 })] }]
	},
	{
		id: 'auth',
		title: 'settings.group.auth',
		description: 'settings.group.authBody',
		settings: [
			{
				key: 'auth.lockout',
				label: 'settings.lockout',
				fields: [
					field('auth.lockout', 'threshold', 'int', 'settings.lockout.threshold', { unit: 'settings.unit.attempts', min: 1, max: 1000 }),
					field('auth.lockout', 'seconds', 'int', 'settings.lockout.seconds', { unit: 'settings.unit.seconds', min: 1, max: 604_800 })
				]
			},
			{
				key: 'auth.loginRateLimit',
				label: 'settings.rateLimit',
				fields: [
					field('auth.loginRateLimit', 'perIpPerMinute', 'int', 'settings.rateLimit.perIp', { unit: 'settings.unit.perMinute', min: 1, max: 10_000 }),
					field('auth.loginRateLimit', 'perAccountPerMinute', 'int', 'settings.rateLimit.perAccount', { unit: 'settings.unit.perMinute', min: 1, max: 10_000 })
				]
			},
			{
				key: 'auth.passwordReset',
				label: 'settings.passwordReset',
				fields: [
					field('auth.passwordReset', 'enabled', 'bool', 'settings.passwordReset.enabled'),
					field('auth.passwordReset', 'ttlMinutes', 'int', 'settings.passwordReset.ttl', { unit: 'settings.unit.minutes', min: 5, max: 10_080 })
				]
			},
			{
				key: 'auth.refreshTokenDays',
				label: 'settings.refreshTokenDays',
				fields: [field('auth.refreshTokenDays', undefined, 'int', 'settings.refreshTokenDays', { unit: 'settings.unit.days', min: 1, max: 90 })]
			},
			{
				key: 'auth.selfRegistration',
				label: 'settings.selfRegistration',
				fields: [field('auth.selfRegistration', undefined, 'bool', 'settings.selfRegistration')]
			}
		]
	},
	{
		id: 'data',
		title: 'settings.group.data',
		description: 'settings.group.dataBody',
		settings: [
			{
				key: 'files.maxUploadBytes',
				label: 'settings.maxUpload',
				fields: [field('files.maxUploadBytes', undefined, 'mb', 'settings.maxUpload', { unit: 'settings.unit.mb', min: 0.01, max: 10_240 })]
			},
			{
				key: 'sync.closedTicketDays',
				label: 'settings.closedTicketDays',
				fields: [field('sync.closedTicketDays', undefined, 'int', 'settings.closedTicketDays', { unit: 'settings.unit.days', min: 0, max: 3650 })]
			}
		]
	}
];

export const KNOWN_KEYS = new Set(GROUPS.flatMap((g) => g.settings.map((s) => s.key)));
export const FIELDS: FieldSpec[] = GROUPS.flatMap((g) => g.settings.flatMap((s) => s.fields));

export type FormValues = Record<string, string | boolean>;

function rawValue(values: Record<string, unknown>, f: FieldSpec): unknown {
	const v = values[f.key];
	return f.sub ? (v as Record<string, unknown> | null | undefined)?.[f.sub] : v;
}

/** Stored values → input values. Unknown keys become pretty-printed JSON. */
export function toForm(values: Record<string, unknown>): FormValues {
	const out: FormValues = {};
	for (const f of FIELDS) {
		if (!(f.key in values)) continue;
		const v = rawValue(values, f);
		if (f.kind === 'bool') out[f.path] = v === true;
		else if (f.kind === 'mb') out[f.path] = typeof v === 'number' ? String(Math.round((v / MB) * 100) / 100) : '';
		else out[f.path] = v == null ? '' : String(v);
	}
	for (const [key, v] of Object.entries(values)) if (!KNOWN_KEYS.has(key)) out[key] = JSON.stringify(v, null, 2);
	return out;
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** Validates one input; returns the error message or null, plus the parsed value. */
export function parseField(f: FieldSpec, input: string | boolean, t: Translate): { value?: unknown; error?: string } {
	if (f.kind === 'bool') return { value: input === true };
	const text = String(input).trim();
	if (f.kind === 'text') {
		if (!text) return { error: t('settings.error.required') };
		if (f.maxLength && [...text].length > f.maxLength) return { error: t('settings.error.tooLong', { max: f.maxLength }) };
		return { value: text };
	}
	if (!text) return { error: t('settings.error.required') };
	const n = Number(text.replace(',', '.'));
	if (!Number.isFinite(n)) return { error: t('settings.error.number') };
	if (f.kind === 'int' && !Number.isInteger(n)) return { error: t('settings.error.integer') };
	if ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) return { error: t('settings.error.range', { min: f.min ?? 0, max: f.max ?? 0 }) };
	return { value: f.kind === 'mb' ? Math.round(n * MB) : n };
}

/**
 * Builds the PATCH body (only settings whose value changed) and the per-field errors.
 * Composite settings keep sub-fields the form does not know about.
 */
export function buildPatch(
	original: Record<string, unknown>,
	initial: FormValues,
	form: FormValues,
	t: Translate
): { patch: Record<string, unknown>; errors: Record<string, string> } {
	const errors: Record<string, string> = {};
	const next: Record<string, unknown> = {};
	for (const f of FIELDS) {
		if (!(f.path in form)) continue;
		// Untouched inputs keep the stored value exactly (no rounding through the MB conversion).
		const r = form[f.path] === initial[f.path] ? { value: rawValue(original, f), error: undefined } : parseField(f, form[f.path], t);
		if (r.error) {
			errors[f.path] = r.error;
			continue;
		}
		if (f.sub) {
			const base = (next[f.key] ?? { ...((original[f.key] as object | null) ?? {}) }) as Record<string, unknown>;
			base[f.sub] = r.value;
			next[f.key] = base;
		} else next[f.key] = r.value;
	}
	for (const key of Object.keys(original)) {
		if (KNOWN_KEYS.has(key) || !(key in form) || form[key] === initial[key]) continue;
		try {
			next[key] = JSON.parse(String(form[key]));
		} catch {
			errors[key] = t('settings.error.json');
		}
	}
	const patch: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(next)) if (JSON.stringify(value) !== JSON.stringify(original[key])) patch[key] = value;
	return { patch, errors };
}

/** Maps a server field path (`auth.lockout.threshold`, `auth.lockout`, …) to an input path. */
export function inputPathFor(field: string, form: FormValues): string | null {
	if (field in form) return field;
	const first = FIELDS.find((f) => f.key === field && f.path in form);
	if (first) return first.path;
	const prefix = FIELDS.find((f) => field.startsWith(`${f.path}.`) && f.path in form);
	return prefix?.path ?? null;
}
