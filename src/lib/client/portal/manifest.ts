// The self-service portal installs as its own app (static/portal.webmanifest: scope `/portal`,
// start_url `/portal`, its own name and icons); every other page links the main app's manifest.
// The shell is one prerendered page for every route (the service worker serves it offline), so the
// root layout points the page's `<link rel="manifest">` at the right one after each navigation.
// Scope `/portal` rather than `/portal/`: a scope must contain start_url, and `/portal` (the
// route, without a trailing slash) is not inside `/portal/`.
export const APP_MANIFEST = '/manifest.webmanifest';
export const PORTAL_MANIFEST = '/portal.webmanifest';

export function manifestFor(pathname: string): string {
	return pathname === '/portal' || pathname.startsWith('/portal/') ? PORTAL_MANIFEST : APP_MANIFEST;
}

/** Points the document's manifest link at `href` (creating the link if there is none). */
export function linkManifest(doc: Document, href: string): void {
	let link = doc.querySelector<HTMLLinkElement>('link[rel="manifest"]');
	if (link?.getAttribute('href') === href) return;
	if (!link) {
		link = doc.createElement('link');
		link.rel = 'manifest';
		doc.head.append(link);
	}
	link.setAttribute('href', href);
}
