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
// Its geometry, for the HNSW index: a chunk has hundreds of hashed features, a 2–4 word query a
// few dozen, so the vectors are nearly orthogonal and a query's nearest chunks sit in a flat band
// of distances. Variants measured for HNSW recall (hashing into 32–128 dimensions, keeping a
// chunk's 32–128 strongest features, no character n-grams, no bigrams, binary term frequency)
// moved recall@10 by −0.07…+0.01 and most of them lost search quality; what recall needed was a
// graph built with a wider search (migration 0018: ef_construction 800).
//
// Deterministic and stateless: the same text always gives the same vector, whatever else is in
// the knowledge base, so articles never need re-embedding when others change. Changing the
// features below changes LOCAL_EMBEDDER_ID, which re-embeds everything with the new version.
import { normalize, tokenOf, type Token } from './text';

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

/** The hashed features of one word (memoised per token: words repeat a lot). */
interface WordFeatures {
  token: Token;
  word: number;
  /** Hash of the stem, the left half of a bigram feature. */
  left: number;
  grams: Uint32Array;
  gramWeight: number;
}
const features = new Map<Token, WordFeatures>();

function featuresOf(t: Token): WordFeatures {
  let f = features.get(t);
  if (f) return f;
  // Character 4-grams of the written word with boundary marks: "#pas", "word#" … (trigrams
  // are shared by too many unrelated words to help; 4-grams still survive a typo or two).
  const s = `#${t.surface}#`;
  const grams = s.length <= 5 ? Uint32Array.of(fnv(SEED_CHAR, s)) : Uint32Array.from({ length: s.length - 3 }, (_, j) => fnvRange(SEED_CHAR, s, j, j + 4));
  f = { token: t, word: fnv(SEED_WORD, t.term), left: fnv(SEED_BIGRAM, t.term), grams, gramWeight: (W_CHARS * t.weight) / Math.sqrt(grams.length) };
  if (features.size > 200_000) features.clear();
  features.set(t, f);
  return f;
}

interface Table {
  keys: Uint32Array;
  weight: Float64Array;
  count: Uint32Array;
  used: Uint32Array;
  mask: number;
}
let shared: Table | undefined;
/** A zeroed table with room for `n` features at a load of at most 1/2. */
function tableFor(n: number): Table {
  let size = 1024;
  while (size < n * 2) size *= 2;
  if (!shared || shared.keys.length < size) shared = { keys: new Uint32Array(size), weight: new Float64Array(size), count: new Uint32Array(size), used: new Uint32Array(size), mask: size - 1 };
  return shared;
}

export function hashEmbed(text: string, dimension = LOCAL_EMBEDDER_DIMENSION): Float32Array {
  const words: WordFeatures[] = [];
  for (const raw of normalize(text).split(' ')) {
    const t = tokenOf(raw);
    if (t) words.push(featuresOf(t));
  }
  // feature hash → max weight and occurrences: an open-addressing table reused across calls
  // (texts are embedded one at a time; a Map per text was half the cost).
  const { keys, weight, count, used, mask } = tableFor(words.length * 8 + 16);
  let nUsed = 0;
  const add = (h: number, w: number) => {
    const k = h === 0 ? 1 : h;
    let i = mix(k) & mask;
    for (;;) {
      const at = keys[i];
      if (at === 0) {
        keys[i] = k;
        weight[i] = w;
        count[i] = 1;
        used[nUsed++] = i;
        return;
      }
      if (at === k) {
        count[i]++;
        if (w > weight[i]) weight[i] = w;
        return;
      }
      i = (i + 1) & mask;
    }
  };
  for (let i = 0; i < words.length; i++) {
    const f = words[i];
    add(f.word, W_WORD * f.token.weight);
    if (i + 1 < words.length) {
      const g = words[i + 1];
      add(mix(f.left ^ Math.imul(g.word, 0x9e3779b1)), W_BIGRAM * Math.min(f.token.weight, g.token.weight));
    }
    for (let j = 0; j < f.grams.length; j++) add(f.grams[j], f.gramWeight);
  }
  const v = new Float32Array(dimension);
  for (let u = 0; u < nUsed; u++) {
    const i = used[u];
    const m = mix(keys[i]);
    const value = weight[i] * (1 + Math.log(count[i]));
    v[m % dimension] += m & 0x80000000 ? -value : value;
    keys[i] = 0;
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
