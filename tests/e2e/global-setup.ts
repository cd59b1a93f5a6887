// Runs once after the web server is up: the e2e suite signs the same admin in many times a
// minute (every spec starts with a sign-in), which the production default of 10 attempts per
// account per minute would turn into 429s depending on how fast the machine is. The limits
// themselves are tested in tests/integration/identity.test.ts.
import { ADMIN, BASE_URL } from './env';

export default async function globalSetup() {
	const login = await fetch(`${BASE_URL}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
	if (login.status !== 200) throw new Error(`e2e setup: admin sign-in failed (${login.status}): ${await login.text()}`);
	const { accessToken } = await login.json();
	const r = await fetch(`${BASE_URL}/api/v1/admin/settings`, {
		method: 'PATCH',
		headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
		body: JSON.stringify({ 'auth.loginRateLimit': { perIpPerMinute: 10_000, perAccountPerMinute: 10_000 } })
	});
	if (r.status !== 200) throw new Error(`e2e setup: raising the sign-in rate limit failed (${r.status}): ${await r.text()}`);
}
