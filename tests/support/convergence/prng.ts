// Seeded randomness for the convergence property test: mulberry32 (tiny, fast, good enough for
// choosing operations) and the seed list from CONVERGENCE_SEEDS.
//
//   unset            → seeds 1 and 2 (CI)
//   CONVERGENCE_SEEDS=1000      → seeds 1..1000
//   CONVERGENCE_SEEDS=500..520  → seeds 500..520 (also 500-520)
//   CONVERGENCE_SEEDS=7,42      → exactly these (replay a failure: CONVERGENCE_SEEDS=42,)
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export const chance = (rng: Rng, p: number) => rng() < p;
export const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];

export function parseSeeds(spec = process.env.CONVERGENCE_SEEDS, fallback = [1, 2]): number[] {
	const s = spec?.trim();
	if (!s) return fallback;
	if (s.includes(',')) {
		return s
			.split(',')
			.map((x) => x.trim())
			.filter(Boolean)
			.map(Number);
	}
	const range = /^(\d+)\s*(?:\.\.|-)\s*(\d+)$/.exec(s);
	if (range) {
		const [lo, hi] = [Number(range[1]), Number(range[2])];
		return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
	}
	if (/^\d+$/.test(s)) return Array.from({ length: Number(s) }, (_, i) => i + 1);
	throw new Error(`CONVERGENCE_SEEDS: cannot parse "${s}" (N, A..B or a,b,c)`);
}
