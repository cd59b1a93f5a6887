// Who is signed in. The session itself lives in HttpOnly cookies; this store keeps the `Me`
// profile for the UI, caches it in localStorage so the shell still knows who you are offline,
// and owns sign-in / sign-out. Other client modules (sync, later) subscribe to sign-out to wipe
// their local data.
import { goto } from '$app/navigation';
import { api, ApiError, setUnauthenticatedHandler, type Me, type SessionResponse } from './api';
import { setFormatPrefs } from './i18n';

const CACHE_KEY = 'outpost.me';
const PUBLIC_PATHS = ['/login', '/reset-password'];

export const isPublicPath = (pathname: string) => PUBLIC_PATHS.some((p) => pathname === p || pathname.startsWith(`${p}/`));

/** `/login?next=<current path>`; `next` is only ever a same-origin path. */
export function loginUrl(next?: string): string {
	return next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login';
}

/** Accepts only local absolute paths, never `//host` or `https://…`, so `next` can't redirect away. */
export function safeNext(next: string | null | undefined): string {
	if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
	return isPublicPath(next.split('?')[0]) ? '/' : next;
}

function readCache(): Me | null {
	try {
		const raw = globalThis.localStorage?.getItem(CACHE_KEY);
		return raw ? (JSON.parse(raw) as Me) : null;
	} catch {
		return null;
	}
}
function writeCache(user: Me | null) {
	try {
		if (user) globalThis.localStorage?.setItem(CACHE_KEY, JSON.stringify(user));
		else globalThis.localStorage?.removeItem(CACHE_KEY);
	} catch {
		// storage full or disabled: the cache is only a convenience
	}
}

class Session {
	user = $state<Me | null>(null);
	/** True when the profile came from the local cache because the server could not be reached. */
	offline = $state(false);
	#loading: Promise<Me | null> | null = null;
	#signOutHooks = new Set<() => void | Promise<void>>();

	get roles(): string[] {
		return this.user?.roles ?? [];
	}

	can(permission: string): boolean {
		return this.user?.permissions.includes(permission) ?? false;
	}

	hasRole(role: string): boolean {
		return this.roles.includes(role);
	}

	/** The profile, loading it once per page life (later calls reuse it). */
	ensure(): Promise<Me | null> {
		if (this.user && !this.offline) return Promise.resolve(this.user);
		return this.load();
	}

	/** Fetches /api/v1/me (refreshing the access token once if needed). */
	load(): Promise<Me | null> {
		this.#loading ??= api
			.get<Me>('/api/v1/me', { onUnauthenticated: 'throw' })
			.then((me) => {
				this.setUser(me);
				return me;
			})
			.catch((e: unknown) => {
				if (e instanceof ApiError && e.isNetwork) {
					const cached = readCache();
					if (cached) {
						this.user = cached;
						this.offline = true;
						setFormatPrefs(cached);
						return cached;
					}
					return null;
				}
				if (e instanceof ApiError && e.status === 401) this.clear();
				return null;
			})
			.finally(() => {
				this.#loading = null;
			});
		return this.#loading;
	}

	setUser(user: Me) {
		this.user = user;
		this.offline = false;
		setFormatPrefs(user);
		writeCache(user);
	}

	clear() {
		this.user = null;
		this.offline = false;
		writeCache(null);
	}

	/** POST /api/auth/login. Throws ApiError (validation, unauthenticated, rate_limited, locked). */
	async signIn(email: string, password: string): Promise<Me> {
		const res = await api.post<SessionResponse>('/api/auth/login', { email, password }, { auth: false });
		this.setUser(res.user);
		return res.user;
	}

	/** Registers cleanup to run on sign-out (e.g. wiping the local database). Returns an unsubscribe. */
	onSignOut(hook: () => void | Promise<void>): () => void {
		this.#signOutHooks.add(hook);
		return () => this.#signOutHooks.delete(hook);
	}

	async signOut() {
		try {
			await api.post('/api/auth/logout', undefined, { auth: false });
		} catch {
			// offline or already signed out: the local state is cleared either way
		}
		for (const hook of this.#signOutHooks) {
			try {
				await hook();
			} catch {
				// one failing hook must not keep the user signed in
			}
		}
		this.clear();
		await goto('/login', { replaceState: true });
	}
}

export const session = new Session();

setUnauthenticatedHandler(() => {
	session.clear();
	if (typeof location === 'undefined' || isPublicPath(location.pathname)) return;
	void goto(loginUrl(location.pathname + location.search), { replaceState: true });
});
