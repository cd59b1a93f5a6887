// The one way the UI talks to the JSON API. Cookies carry the session (HttpOnly), so requests
// go out with `credentials: 'same-origin'`. A 401 triggers a single POST /api/auth/refresh
// (shared by concurrent callers) and one retry; if that fails the session is over and the
// registered handler sends the user to /login.
import type { z } from 'zod';
import type { Me as MeSchema, SessionResponse as SessionSchema } from '$lib/domain/auth/schemas';
import type { AdminUser as AdminUserSchema, ResetLink as ResetLinkSchema, RoleView as RoleSchema } from '$lib/domain/users/schemas';
import type { AuditEntry as AuditEntrySchema } from '$lib/domain/audit/schemas';
import type { SettingView as SettingSchema } from '$lib/domain/settings/schemas';
import { t } from './i18n';

export interface FieldIssue {
	field: string;
	message: string;
}

export class ApiError extends Error {
	readonly status: number;
	readonly code: string;
	readonly fields: FieldIssue[];
	readonly retryAfterSeconds?: number;

	constructor(init: { status: number; code: string; message: string; fields?: FieldIssue[]; retryAfterSeconds?: number }) {
		super(init.message);
		this.name = 'ApiError';
		this.status = init.status;
		this.code = init.code;
		this.fields = init.fields ?? [];
		this.retryAfterSeconds = init.retryAfterSeconds;
	}

	/** Field messages keyed by field name (first message wins). */
	get fieldMap(): Record<string, string> {
		const out: Record<string, string> = {};
		for (const f of this.fields) out[f.field] ??= f.message;
		return out;
	}

	get isNetwork(): boolean {
		return this.status === 0;
	}
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;

/** A readable message for any thrown value. */
export function errorMessage(e: unknown): string {
	if (isApiError(e)) return e.message || t('errors.generic');
	return t('errors.generic');
}

type UnauthenticatedHandler = () => void;
let onUnauthenticated: UnauthenticatedHandler | null = null;

/** The session registers what happens when a request is refused even after a refresh. */
export function setUnauthenticatedHandler(handler: UnauthenticatedHandler | null) {
	onUnauthenticated = handler;
}

export interface RequestOptions {
	signal?: AbortSignal;
	/** ms before the request is given up (default 30 s); a hung server must not mean an endless spinner. */
	timeoutMs?: number;
	/** `false`: a 401 is thrown as is, without refresh, retry or redirect (used by the auth calls). */
	auth?: boolean;
	/** `'throw'`: refresh and retry, but leave the redirect to the caller. */
	onUnauthenticated?: 'redirect' | 'throw';
}

let refreshing: Promise<boolean> | null = null;

/** Rotates the refresh token. Concurrent callers share one request. */
export function refreshSession(): Promise<boolean> {
	refreshing ??= fetch('/api/auth/refresh', {
		method: 'POST',
		credentials: 'same-origin',
		headers: { accept: 'application/json' }
	})
		.then((r) => r.ok)
		.catch(() => false)
		.finally(() => {
			refreshing = null;
		});
	return refreshing;
}

async function toApiError(res: Response): Promise<ApiError> {
	let body: unknown = null;
	try {
		body = await res.json();
	} catch {
		// not JSON (proxy error page, empty body)
	}
	const err = (body as { error?: Partial<ApiError> & { fields?: FieldIssue[]; retryAfterSeconds?: number } } | null)?.error;
	const header = Number(res.headers.get('retry-after'));
	return new ApiError({
		status: res.status,
		code: typeof err?.code === 'string' ? err.code : `http_${res.status}`,
		message: typeof err?.message === 'string' && err.message ? err.message : fallbackMessage(res.status),
		fields: Array.isArray(err?.fields) ? err.fields.filter((f) => f && typeof f.field === 'string') : [],
		retryAfterSeconds: typeof err?.retryAfterSeconds === 'number' ? err.retryAfterSeconds : Number.isFinite(header) && header > 0 ? header : undefined
	});
}

function fallbackMessage(status: number): string {
	if (status === 401) return t('errors.unauthenticated');
	if (status === 403) return t('errors.forbidden');
	if (status === 404) return t('errors.notFound');
	if (status >= 500) return t('errors.server');
	return t('errors.generic');
}

async function send(method: string, path: string, body: unknown, options: RequestOptions): Promise<Response> {
	const headers: Record<string, string> = { accept: 'application/json' };
	if (body !== undefined) headers['content-type'] = 'application/json';
	const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
	try {
		return await fetch(path, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
			credentials: 'same-origin',
			signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
		});
	} catch (e) {
		if (timeout.aborted && !options.signal?.aborted) throw new ApiError({ status: 0, code: 'timeout', message: t('errors.timeout') });
		if ((e as Error)?.name === 'AbortError') throw e;
		throw new ApiError({ status: 0, code: 'network', message: t('errors.network') });
	}
}

async function request<T>(method: string, path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
	let res = await send(method, path, body, options);
	if (res.status === 401 && options.auth !== false) {
		if (await refreshSession()) res = await send(method, path, body, options);
		if (res.status === 401) {
			const error = await toApiError(res);
			if (options.onUnauthenticated !== 'throw') onUnauthenticated?.();
			throw error;
		}
	}
	if (!res.ok) throw await toApiError(res);
	if (res.status === 204) return undefined as T;
	const text = await res.text();
	return (text ? JSON.parse(text) : undefined) as T;
}

/** Builds `path?a=1&b=2`, skipping empty values. */
export function withQuery(path: string, query: Record<string, string | number | boolean | null | undefined>): string {
	const params = new URLSearchParams();
	for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
	const qs = params.toString();
	return qs ? `${path}?${qs}` : path;
}

export const api = {
	get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, undefined, options),
	post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, body ?? {}, options),
	patch: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>('PATCH', path, body, options),
	put: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>('PUT', path, body, options),
	delete: <T>(path: string, options?: RequestOptions) => request<T>('DELETE', path, undefined, options)
};

// ---- wire types, inferred from the shared domain schemas (type-only: no zod in the bundle) ----
export type Me = z.infer<typeof MeSchema>;
export type SessionResponse = z.infer<typeof SessionSchema>;
export type AdminUser = z.infer<typeof AdminUserSchema>;
export type ResetLink = z.infer<typeof ResetLinkSchema>;
export type Role = z.infer<typeof RoleSchema>;
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
export type Setting = z.infer<typeof SettingSchema>;
export interface Page<T> {
	items: T[];
	total: number;
}
export interface CursorPage<T> {
	items: T[];
	nextCursor: string | null;
}