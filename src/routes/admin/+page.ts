import { redirect } from '@sveltejs/kit';
import { session } from '$lib/client/session.svelte';
import type { PageLoad } from './$types';

// /admin → the first admin page this person may open (the layout shows 403 if there is none).
export const load: PageLoad = async ({ parent }) => {
	await parent();
	if (session.can('users.manage')) redirect(307, '/admin/users');
	if (session.can('audit.read')) redirect(307, '/admin/audit');
	if (session.can('settings.manage')) redirect(307, '/admin/settings');
	return {};
};
