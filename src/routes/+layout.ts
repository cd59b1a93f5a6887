import { redirect } from '@sveltejs/kit';
import { browser } from '$app/environment';
import { isPublicPath, loginUrl, session } from '$lib/client/session.svelte';
import { landingFor } from '$lib/client/portal/landing';
import { loadMoreMessages } from '$lib/client/i18n';
import type { LayoutLoad } from './$types';

// Client-rendered shell: the data people work with lives in the browser (IndexedDB), so the
// server only ever sends the empty shell (prerendered for `/`, served for every route offline).
export const ssr = false;

/** The first routes, whose strings are all in the core catalogue (i18n/en.ts). */
const FIRST_ROUTE = /^\/(login|tickets|tech|portal)?\/?$/;

export const load: LayoutLoad = async ({ url }) => {
	if (!browser) return {};
	// Any other page waits for the rest of the catalogue (one small chunk, cached after the first).
	if (!FIRST_ROUTE.test(url.pathname)) await loadMoreMessages().catch(() => {});
	if (isPublicPath(url.pathname)) return {};
	const user = await session.ensure();
	if (!user) redirect(307, loginUrl(url.pathname + url.search));
	// End Users start in the self-service portal.
	const landing = url.pathname === '/' ? landingFor(user.permissions) : undefined;
	if (landing) redirect(307, landing);
	return {};
};
