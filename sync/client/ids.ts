// Client-generated ids, in a module of their own so screens can make one without loading the
// outbox (and Dexie) with it.

/** A time-ordered random uuid (v7 layout), so mutation ids sort by creation like the server's ids. */
export function newId(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(16));
	const ms = Date.now();
	for (let i = 0; i < 6; i++) bytes[i] = Math.floor(ms / 2 ** (8 * (5 - i))) & 0xff;
	bytes[6] = (bytes[6] & 0x0f) | 0x70;
	bytes[8] = (bytes[8] & 0x3f) | 0x80;
	const h = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
