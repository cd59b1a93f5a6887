// Reciprocal rank fusion (Cormack, Clarke & Büttcher 2009): each list votes 1 / (k + rank) for
// its items, ranks counted from 1. It needs no score calibration between the lists, which is
// the point: a ts_rank_cd value and a cosine distance are not on one scale.

export const RRF_K = 60;

export interface Fused<T> {
  id: string;
  score: number;
  /** Rank in each input list (1-based), or null where the item was absent. */
  ranks: (number | null)[];
  item: T;
}

export function reciprocalRankFusion<T extends { id: string }>(lists: T[][], k = RRF_K): Fused<T>[] {
  const byId = new Map<string, Fused<T>>();
  lists.forEach((list, li) => {
    list.forEach((item, i) => {
      let f = byId.get(item.id);
      if (!f) {
        f = { id: item.id, score: 0, ranks: lists.map(() => null), item };
        byId.set(item.id, f);
      }
      if (f.ranks[li] !== null) return; // an id twice in one list counts once, at its best rank
      f.ranks[li] = i + 1;
      f.score += 1 / (k + i + 1);
    });
  });
  // Ties: the item ranked best in any list first, then the id, so the order is stable.
  const best = (f: Fused<T>) => Math.min(...f.ranks.map((r) => r ?? Infinity));
  return [...byId.values()].sort((a, b) => b.score - a.score || best(a) - best(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
