// The embedding provider interface, and the built-in local embedder behind it.
import { hashEmbed, LOCAL_EMBEDDER_DIMENSION, LOCAL_EMBEDDER_ID } from '$lib/domain/search/hashing-embedder';

export interface Embedder {
  /** The model id stored in kb_embeddings.model: vectors of different ids are never compared. */
  id: string;
  dimension: number;
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** Feature hashing on this machine: no network, no model file; lexical (see hashing-embedder.ts). */
export class LocalEmbedder implements Embedder {
  readonly id = LOCAL_EMBEDDER_ID;
  readonly dimension = LOCAL_EMBEDDER_DIMENSION;

  async embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i++) {
      out.push(hashEmbed(texts[i], this.dimension));
      // A big batch must not hold the event loop for long: yield every 64 texts.
      if (i % 64 === 63) await new Promise((r) => setImmediate(r));
    }
    return out;
  }
}

/** A vector as pgvector's text form, `[0.1,-0.2,…]` (6 significant digits is float4's precision). */
export function vectorLiteral(v: Float32Array | number[]): string {
  let s = '[';
  for (let i = 0; i < v.length; i++) {
    if (i) s += ',';
    const x = v[i];
    s += x === 0 ? '0' : Number(x.toPrecision(6)).toString();
  }
  return s + ']';
}
