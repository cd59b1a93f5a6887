// Who the self-service portal is for: people who may raise and follow their own requests but do
// not work the queue (End Users, Requesters). They land on /portal after sign-in.
export function isPortalUser(permissions: readonly string[] | undefined): boolean {
	const p = permissions ?? [];
	return p.includes('tickets.read.own') && !p.includes('tickets.read.all');
}

/** Where `/` sends this user (undefined: stay on the home page). */
export function landingFor(permissions: readonly string[] | undefined): string | undefined {
	return isPortalUser(permissions) ? '/portal' : undefined;
}
