// The built-in local embedder: signed feature hashing of a text's word unigrams, word bigrams
// and character 4-grams into a fixed number of dimensions, with sublinear term frequency and a
// prior weight per word (an IDF stand-in that needs no corpus), L2-normalised.
//
// What it captures, honestly: lexical and sub-word overlap. Two texts are close when they share
// words, word stems ("crashing"/"crashes"), word pairs, or most of the letters of a word — so it
// forgives typos ("pasword", "outlok"), inflection and compound spellings ("wi-fi"/"wifi"), and
// a small built-in IT thesaurus maps a few synonyms and abbreviations onto one token ("2fa" →
// "mfa", "notebook" → "laptop"). It does NOT capture meaning: "can't get online" is not close to
// "network connection problems" unless they share words. A neural model behind the
// OpenAI-compatible provider does that; this one needs no network and no model download.
//
// Deterministic and stateless: the same text always gives the same vector, whatever else is in
// the knowledge base, so articles never need re-embedding when others change. Changing the
// features below changes LOCAL_EMBEDDER_ID, which re-embeds everything with the new version.
import { tokens } from './text';

export const LOCAL_EMBEDDER_ID = 'outpost-local-hash-v1';
export const LOCAL_EMBEDDER_DIMENSION = 384;

const SEED_WORD = 0x811c9dc5;
const SEED_BIGRAM = 0x01000193;
const SEED_CHAR = 0x5bd1e995;

const W_WORD = 1.0;
const W_BIGRAM = 0.55;
// The whole character n-gram mass of one word, spread over its n-grams.
const W_CHARS = 1.3;

function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function fnvRange(h: number, s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A final avalanche (murmur3 fmix32) so nearby hashes land in unrelated buckets with unrelated signs. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Feature hash → summed weight and occurrence count, for one text. */
class Bag {
  readonly weight = new Map<number, number>();
  readonly count = new Map<number, number>();
  add(h: number, w: number) {
    this.weight.set(h, Math.max(this.weight.get(h) ?? 0, w));
    this.count.set(h, (this.count.get(h) ?? 0) + 1);
  }
}

export function hashEmbed(text: string, dimension = LOCAL_EMBEDDER_DIMENSION): Float32Array {
  const toks = tokens(text);
  const bag = new Bag();
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    bag.add(fnv(SEED_WORD, t.term), W_WORD * t.weight);
    if (i + 1 < toks.length) {
      const u = toks[i + 1];
      bag.add(fnv(fnv(SEED_BIGRAM, t.term) ^ 0x20, u.term), W_BIGRAM * Math.min(t.weight, u.weight));
    }
    // Character 4-grams of the written word with boundary marks: "#pas", "word#" … (trigrams
    // are shared by too many unrelated words to help; 4-grams still survive a typo or two).
    const s = `#${t.surface}#`;
    if (s.length <= 5) bag.add(fnv(SEED_CHAR, s), W_CHARS * t.weight);
    else {
      const w = (W_CHARS * t.weight) / Math.sqrt(s.length - 3);
      for (let j = 0; j + 4 <= s.length; j++) bag.add(fnvRange(SEED_CHAR, s, j, j + 4), w);
    }
  }
  const v = new Float32Array(dimension);
  for (const [h, w] of bag.weight) {
    const tf = bag.count.get(h)!;
    const m = mix(h);
    const value = w * (1 + Math.log(tf));
    v[m % dimension] += m & 0x80000000 ? -value : value;
  }
  let norm = 0;
  for (let i = 0; i < dimension; i++) norm += v[i] * v[i];
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < dimension; i++) v[i] *= inv;
  }
  return v;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
