// Who is signed in. The session itself lives in HttpOnly cookies; this store keeps the `Me`
// profile for the UI, caches it in localStorage so the shell still knows who you are offline,
// and owns sign-in / sign-out. Other client modules (sync, later) subscribe to sign-out to wipe
// their local data.
import { goto } from '$app/navigation';
import { api, ApiError, setUnauthenticatedHandler, type Me, type SessionResponse } from './api';
import { setFormatPrefs } from './i18n';
import { sync } from './sync.svelte';

const CACHE_KEY = 'outpost.me';
/** Whose rows the local database holds: another user's must be wiped before syncing. */
const SYNC_USER_KEY = 'outpost.syncUser';
const PUBLIC_PATHS = ['/login', '/reset-password', '/survey', '/r'];

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

function storageGet(key: string): string | null {
	try {
		return globalThis.localStorage?.getItem(key) ?? null;
	} catch {
		return null;
	}
}
function storageSet(key: string, value: string | null) {
	try {
		if (value) globalThis.localStorage?.setItem(key, value);
		else globalThis.localStorage?.removeItem(key);
	} catch {
		// storage disabled: the wipe-on-user-change guard below falls back to the running engine's user
	}
}

/**
 * Browsers open at most 6 HTTP/1.1 connections per host, shared by every tab. Live requests
 * normally travel over the `/ws` socket (sync/client/live-mux.ts) and hold none of them; this
 * limit guards the fallback, when the socket cannot be opened (a proxy that refuses upgrades):
 * at most LIVE_SLOTS HTTP long-polls are in flight, the others queue here (FIFO), so API calls and
 * a second tab's page load never wait 20 s for a free connection.
 */
const LIVE_SLOTS = 3;
let liveInFlight = 0;
const liveQueue: Array<() => void> = [];
const limitedFetch: typeof fetch = async (input, init) => {
	const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
	if (!/[?&]live=true\b/.test(url)) return fetch(input, init);
	const signal = init?.signal;
	if (liveInFlight >= LIVE_SLOTS) {
		await new Promise<void>((resolve, reject) => {
			const go = () => {
				signal?.removeEventListener('abort', cancel);
				resolve();
			};
			const cancel = () => {
				const i = liveQueue.indexOf(go);
				if (i >= 0) liveQueue.splice(i, 1);
				reject(signal?.reason ?? new DOMException('Aborted', 'AbortError'));
			};
			if (signal?.aborted) return cancel();
			signal?.addEventListener('abort', cancel, { once: true });
			liveQueue.push(go);
		});
	}
	liveInFlight++;
	try {
		return await fetch(input, init);
	} finally {
		liveInFlight--;
		liveQueue.shift()?.();
	}
};

/**
 * Starts (or resumes, after a sign-in) syncing for this user. If the local database still holds
 * another user's rows (a session that expired without a sign-out), they are wiped first (and
 * waited for, so no screen shows them). Otherwise nothing is awaited: the sync engine loads after
 * the first paint (src/lib/client/sync.svelte.ts).
 */
async function startSync(user: Pick<Me, 'id' | 'permissions'>, afterSignIn = false): Promise<void> {
	if (typeof window === 'undefined') return;
	const userId = user.id;
	// Desk users: once the tickets are synced, the desk's default view saves its first screenful.
	const warm = user.permissions.includes('tickets.read.all') ? () => import('./desk/queue-core').then((m) => m.warmDeskScreen(userId)) : undefined;
	try {
		const previous = storageGet(SYNC_USER_KEY) ?? sync.userId;
		if (previous && previous !== userId) await sync.signedOut();
		storageSet(SYNC_USER_KEY, userId);
		const started = afterSignIn ? sync.signedIn(userId, { fetchClient: limitedFetch, warm }) : sync.start({ userId, fetchClient: limitedFetch, warm });
		started.catch(() => {});
	} catch {
		// no IndexedDB (private mode in some browsers): the app still works online, without sync
	}
}

class Session {
	user = $state<Me | null>(null);
	/** True when the profile came from the local cache because the server could not be reached. */
	offline = $state(false);
	#loading: Promise<Me | null> | null = null;
	/** The server check behind a profile taken from the cache. */
	#revalidating: Promise<Me | null> | null = null;
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

	/**
	 * The profile, loading it once per page life (later calls reuse it). With a cached profile the
	 * first screen renders at once from it (its data is local anyway) and the server's answer
	 * follows: it refreshes the profile, or, if the session is over, sends the user to sign in.
	 */
	ensure(): Promise<Me | null> {
		if (this.user && !this.offline) return Promise.resolve(this.user);
		if (!this.user && !this.#revalidating && typeof window !== 'undefined') {
			const cached = readCache();
			const synced = storageGet(SYNC_USER_KEY);
			// (another user's rows still on this device are wiped first, on the slow path below)
			if (cached && (!synced || synced === cached.id)) {
				this.user = cached;
				setFormatPrefs(cached);
				void startSync(cached);
				this.#revalidating = this.load().then((me) => {
					this.#revalidating = null;
					if (!me && !this.user && !isPublicPath(location.pathname)) void goto(loginUrl(location.pathname + location.search), { replaceState: true });
					return me;
				});
				return Promise.resolve(cached);
			}
		}
		return this.#revalidating ?? this.load();
	}

	/** Fetches /api/v1/me (refreshing the access token once if needed). */
	load(): Promise<Me | null> {
		this.#loading ??= api
			.get<Me>('/api/v1/me', { onUnauthenticated: 'throw' })
			.then(async (me) => {
				this.setUser(me);
				await startSync(me);
				return me;
			})
			.catch(async (e: unknown) => {
				if (e instanceof ApiError && e.isNetwork) {
					const cached = readCache();
					if (cached) {
						this.user = cached;
						this.offline = true;
						setFormatPrefs(cached);
						await startSync(cached);
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
		await startSync(res.user, true);
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
		try {
			// Stop syncing and wipe the synced rows (the outbox stays, kept for this same user).
			await sync.signedOut();
		} catch {
			// IndexedDB unavailable: nothing to wipe
		}
		storageSet(SYNC_USER_KEY, null);
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
