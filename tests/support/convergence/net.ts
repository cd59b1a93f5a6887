// A fault-injecting fetch for one simulated device: the server origin is switchable (a restart
// comes back on a new port), the device can go offline (everything, only the outbox, or only the
// streams), a mutations POST can be sent twice (sequentially or concurrently; the client sees one
// response) and a response can be dropped after the server handled the request (the client sees a
// network error and retries). It records the mutation results that actually reached the client.
import { chance, type Rng } from './prng';

export type Offline = false | 'all' | 'outbox' | 'streams';

export interface NetStats {
	duplicated: number;
	dropped: number;
	refused: number;
	posts: number;
}

export class FaultyNet {
	offline: Offline = false;
	/** Probability that a mutations POST is delivered twice / its response is lost. */
	dupRate = 0;
	dropRate = 0;
	/** Mutation id → outcome as delivered to the client (last delivery wins; they must agree). */
	readonly delivered = new Map<string, { status: string; txid?: number; code?: string }>();
	/** Mutation ids whose delivered outcomes disagreed between deliveries. */
	readonly disagreements: string[] = [];
	readonly stats: NetStats = { duplicated: 0, dropped: 0, refused: 0, posts: 0 };

	constructor(
		public base: string,
		private readonly rng: Rng
	) {}

	readonly fetch: typeof fetch = async (input, init) => {
		const raw = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
		const u = new URL(raw);
		const target = this.base.replace(/\/$/, '') + u.pathname + u.search;
		const isMutation = u.pathname === '/api/sync/mutations';
		const isShape = u.pathname === '/api/sync/shape';
		if (this.offline === 'all' || (this.offline === 'outbox' && isMutation) || (this.offline === 'streams' && isShape)) {
			this.stats.refused++;
			throw new TypeError('fetch failed (simulated offline)');
		}
		if (!isMutation) return fetch(target, init);
		this.stats.posts++;
		let res: Response;
		if (chance(this.rng, this.dupRate)) {
			this.stats.duplicated++;
			if (chance(this.rng, 0.5)) {
				// the same batch twice, one after the other; the first response is lost
				const first = await fetch(target, init);
				await first.text();
				res = await fetch(target, init);
			} else {
				// the same batch twice at the same time
				const both = await Promise.allSettled([fetch(target, init), fetch(target, init)]);
				const ok = both.filter((b): b is PromiseFulfilledResult<Response> => b.status === 'fulfilled').map((b) => b.value);
				if (!ok.length) throw (both[0] as PromiseRejectedResult).reason;
				for (const r of ok.slice(1)) await r.text();
				res = ok[0];
			}
		} else res = await fetch(target, init);
		if (chance(this.rng, this.dropRate)) {
			this.stats.dropped++;
			await res.text();
			throw new TypeError('fetch failed (simulated lost response)');
		}
		if (res.ok) {
			const body = await res
				.clone()
				.json()
				.catch(() => ({}));
			for (const r of body.results ?? []) {
				const prev = this.delivered.get(r.id);
				const now = { status: r.status, txid: r.txid ?? undefined, code: r.error?.code };
				if (prev && (prev.status !== now.status || prev.txid !== now.txid)) this.disagreements.push(r.id);
				this.delivered.set(r.id, now);
			}
		}
		return res;
	};
}
