// Which embedder is active: read from kb_embedding_settings, built once and cached per database
// for a couple of seconds (every instance sees a provider change within CACHE_MS). The API key
// is opened with the process's key ring (the email credentials' AES-GCM envelope and keys).
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { open, type KeyRing } from '../email/secrets';
import { LocalEmbedder, type Embedder } from './embedder';
import { OpenAiEmbedder } from './openai-embedder';
import { searchRepo } from './repository';

const CACHE_MS = 2_000;

export interface ProviderConfig {
  provider: 'local' | 'openai';
  base_url: string | null;
  model: string | null;
  dimension: number;
  send_dimensions: boolean;
  api_key_encrypted: string | null;
  active_model: string;
}

const KEYS = Symbol.for('outpost.search.keyring');
type G = typeof globalThis & { [KEYS]?: KeyRing };

/** The key ring that opens a stored API key; set at boot by the app and by workers/. */
export function setSearchKeyRing(ring: KeyRing | undefined) {
  (globalThis as G)[KEYS] = ring;
}
export function searchKeyRing(): KeyRing | undefined {
  return (globalThis as G)[KEYS];
}

const local = new LocalEmbedder();

/** 'query': a person is waiting for search results, so fail fast (one retry, 5 s); 'index': jobs, patient. */
export type Purpose = 'index' | 'query';

export function embedderFor(cfg: ProviderConfig, ring = searchKeyRing(), apiKeyOverride?: string | null, purpose: Purpose = 'index'): Embedder {
  if (cfg.provider === 'local') return local;
  let apiKey: string | null = apiKeyOverride ?? null;
  if (apiKeyOverride === undefined && cfg.api_key_encrypted) {
    if (!ring) throw new Error('the embedding API key cannot be opened: no key ring is configured in this process');
    apiKey = open(ring, cfg.api_key_encrypted);
  }
  const patience = purpose === 'query' ? { maxRetries: 1, timeoutMs: 5_000, maxRetryDelayMs: 1_000 } : {};
  return new OpenAiEmbedder({ baseUrl: cfg.base_url!, model: cfg.model!, dimension: cfg.dimension, apiKey, sendDimensions: cfg.send_dimensions, ...patience });
}

const cache = new WeakMap<Kysely<DB>, Partial<Record<Purpose, { at: number; embedder: Embedder }>>>();

/** The embedder whose vectors search uses (its id is kb_embedding_settings.active_model). */
export async function activeEmbedder(db: Kysely<DB>, ring = searchKeyRing(), purpose: Purpose = 'index'): Promise<Embedder> {
  const entry = cache.get(db) ?? {};
  const c = entry[purpose];
  if (c && Date.now() - c.at < CACHE_MS) return c.embedder;
  const embedder = embedderFor(await searchRepo.settings(db), ring, undefined, purpose);
  entry[purpose] = { at: Date.now(), embedder };
  cache.set(db, entry);
  return embedder;
}

export function invalidateActiveEmbedder(db: Kysely<DB>) {
  cache.delete(db);
}
