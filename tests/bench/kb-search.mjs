// Knowledge-base search at scale, on PostgreSQL (needs TEST_DATABASE_URL or BENCH_DATABASE_URL,
// with pgvector). Generates N articles (default 100 000) from the fixture KB's vocabulary
// (tests/fixtures/kb/articles.json: each article mixes sentences of one topic with a few from
// others and its own variations), then prints:
//   1. local embedder throughput (chunk texts/s and MB/s of input, one core, in this process);
//   2. load time (multi-row INSERT … SELECT FROM unnest) and the HNSW index build time;
//   3. latency p50/p95 of searchKb() in hybrid, keyword and semantic mode over ≥ 200 queries
//      (fixture queries + generated ones, some with typos), through Kysely like the server;
//   4. recall@10 of the vector part (the nearest-chunks query search runs, repository.ts
//      nearestChunks: the HNSW index plus the chunks of articles with a rare query word, re-ranked
//      by exact distance; at the ef_search search uses and at pgvector's default 40) against an
//      exact scan of the same query vector over every chunk, index scans disabled (also per kind
//      of query: fixture, topic words, product).
//   node tests/bench/kb-search.mjs [articles=100000] [queries=300]
// BENCH_KEEP_DB=1 keeps the loaded database; BENCH_REUSE_DB=<its url> then re-runs 3 and 4 on it
// (same generator and seed, so the same queries), skipping the embedding, load and index build.
// BENCH_PORT overrides the port of the server started once to migrate (default 4297).
// BENCH_EF=100,400 chooses the ef_search values of part 4 (BENCH_EF=none skips it).
import { register } from 'tsx/esm/api';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ensureBuilt, startServer, tmpDir, freshPgDatabase, percentile, root } from './lib.mjs';

register({ tsconfig: new URL('../../tsconfig.json', import.meta.url).pathname });
const N = Number(process.argv[2] ?? 100_000);
const Q = Math.max(200, Number(process.argv[3] ?? 300));

const reuse = process.env.BENCH_REUSE_DB;
const fresh = reuse ? { url: reuse, drop: async () => {} } : await freshPgDatabase();
if (!fresh) {
  console.log('kb-search: skipped (set TEST_DATABASE_URL)');
  process.exit(0);
}
if (!reuse) {
  await ensureBuilt();
  const srv = await startServer({ dataDir: tmpDir(), databaseUrl: fresh.url, port: Number(process.env.BENCH_PORT ?? 4297) });
  await srv.stop(); // migrated
}

const { openDatabase } = await import('../../src/lib/server/db/connection.ts');
const { searchKb, EF_SEARCH } = await import('../../src/lib/server/search/kb-search.ts');
const { NEAREST_ORDER, nearestChunks } = await import('../../src/lib/server/search/repository.ts');
const { queryWords } = await import('../../src/lib/domain/search/text.ts');
const { rareWords } = await import('../../src/lib/server/search/rare-words.ts');
const { LocalEmbedder, vectorLiteral } = await import('../../src/lib/server/search/embedder.ts');
const { hashEmbed } = await import('../../src/lib/domain/search/hashing-embedder.ts');
const { chunkArticle } = await import('../../src/lib/domain/search/chunk.ts');
const { chunkHash } = await import('../../src/lib/server/search/embedding-service.ts');

// ─── deterministic generator ────────────────────────────────────────────────────────────────
let seed = 42;
const rnd = () => ((seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0), ((seed >>> 0) % 1_000_003) / 1_000_003);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const fixture = JSON.parse(fs.readFileSync(path.join(root, 'tests/fixtures/kb/articles.json'), 'utf8')).filter((a) => a.status === 'published' && a.audience === 'public');
const fixtureQueries = JSON.parse(fs.readFileSync(path.join(root, 'tests/fixtures/kb/queries.json'), 'utf8')).map((q) => q.q);
const sentencesOf = (a) => a.body.split(/(?<=[.!?])\s+|\n+/).map((s) => s.replace(/^[#>*\-\d. ]+/, '').trim()).filter((s) => s.split(' ').length >= 4);
const topics = fixture.map((a) => ({ a, sentences: sentencesOf(a), words: [...new Set((a.title + ' ' + a.body).toLowerCase().match(/[a-z]{4,}/g))] }));
const allWords = [...new Set(topics.flatMap((t) => t.words))];
const qualifiers = ['on Windows 11', 'on a Mac', 'for new starters', 'in the London office', 'for contractors', 'when working remotely', 'after the update', 'on the second floor', 'for managers', 'in the warehouse', 'at the branch office', 'on shared PCs'];

// Two generators (BENCH_GENERATOR):
//  templated (default, the original): article i is topic i mod 59 — 4–8 sentences drawn with
//    repetition from that fixture article's ~6 sentences, one sentence of another topic, a line
//    of the topic's words, one of 12 qualifiers. 100 000 articles are ~1 700 near-copies of each
//    of 59 texts, so a query's exact 10 nearest are decided by tiny differences among thousands of
//    near-ties: a worst case for any approximate index, and not what a real KB looks like.
//  varied: articles differ in what they are about, as in a real KB: each names one or two of
//    3 000 synthetic products/systems (skewed: some are common), sometimes an error code; takes a
//    shuffled subset of its topic's sentences without repetition, each reworded (about 1 word in
//    6 of 4+ letters swapped for another KB word or a product name); adds one to two sentences
//    of one or two other topics and one sentence of its own. Queries: the same mix as templated
//    (fixture queries, topic words with typos) plus a third asking about one generated article
//    (its product and some of its words). Recall keeps its meaning: HNSW top 10 against the
//    exact top 10 of the same queries over the same vectors.
const GENERATOR = process.env.BENCH_GENERATOR ?? 'templated';
if (!['templated', 'varied'].includes(GENERATOR)) throw new Error(`BENCH_GENERATOR: templated or varied, not ${GENERATOR}`);
const SYL = ['ka', 've', 'lo', 'mi', 'tor', 'rex', 'an', 'bri', 'sol', 'den', 'qua', 'fi', 'zen', 'mar', 'os', 'tel', 'ur', 'gan', 'pli', 'vo', 'nex', 'dra', 'sy', 'lu', 'cor', 'pha', 'tu', 'gri'];
// Drawn only for varied, so templated keeps the original sequence (and BENCH_REUSE_DB its queries).
const names = Array.from({ length: GENERATOR === 'varied' ? 3000 : 0 }, () => {
  let w = '';
  for (let k = 2 + Math.floor(rnd() * 2); k > 0; k--) w += pick(SYL);
  return w[0].toUpperCase() + w.slice(1);
});
const codes = Array.from({ length: GENERATOR === 'varied' ? 2000 : 0 }, () => `${pick(['E', 'ERR', '0x8007', 'KB', 'EV'])}${Math.floor(rnd() * 100000)}`);
const skewed = (a) => a[Math.floor(a.length * rnd() * rnd())];
const verbs = ['fails to load', 'asks for a restart', 'shows a warning', 'stops responding', 'needs the latest update', 'cannot reach the server', 'rejects the certificate', 'loses its settings'];
const reword = (sentence, e) => sentence.replace(/[A-Za-z]{4,}/g, (w) => (rnd() < 0.15 ? (rnd() < 0.25 ? e : pick(allWords)) : w));
const shuffled = (a) => {
  const b = [...a];
  for (let k = b.length - 1; k > 0; k--) {
    const j = Math.floor(rnd() * (k + 1));
    [b[k], b[j]] = [b[j], b[k]];
  }
  return b;
};

function templatedArticle(i) {
  const t = topics[i % topics.length];
  const other = pick(topics);
  const body = [];
  const n = 4 + Math.floor(rnd() * 5);
  for (let k = 0; k < n; k++) body.push(pick(t.sentences));
  body.push(pick(other.sentences));
  body.push(Array.from({ length: 6 + Math.floor(rnd() * 8) }, () => (rnd() < 0.7 ? pick(t.words) : pick(allWords))).join(' ') + '.');
  const q = pick(qualifiers);
  return { slug: `gen-${i}`, title: `${t.a.title} ${q} (${i})`, summary: `${t.a.summary} ${q}.`, body: body.join('\n\n') };
}

function variedArticle(i) {
  const t = pick(topics);
  const e = skewed(names);
  const e2 = rnd() < 0.4 ? skewed(names) : null;
  const code = rnd() < 0.35 ? pick(codes) : null;
  const own = shuffled(t.sentences).slice(0, 2 + Math.floor(rnd() * Math.max(1, t.sentences.length - 1)));
  const body = own.map((x) => reword(x, e));
  for (let k = 1 + Math.floor(rnd() * 2); k > 0; k--) body.splice(Math.floor(rnd() * (body.length + 1)), 0, reword(pick(pick(topics).sentences), e2 ?? e));
  body.push(`${e} ${pick(verbs)}${code ? ` with ${code}` : ''} when ${pick(t.words)} ${pick(t.words)}${e2 ? ` is used with ${e2}` : ''} ${pick(qualifiers)}.`);
  const title = [`${t.a.title} in ${e}`, `${e}: ${t.a.title.toLowerCase()}`, `${t.a.title} (${e}${code ? `, ${code}` : ''})`][Math.floor(rnd() * 3)];
  return { slug: `gen-${i}`, title, summary: `${reword(t.a.summary, e)}`, body: body.join('\n\n'), topic: t, e, code };
}
const article = GENERATOR === 'varied' ? variedArticle : templatedArticle;

const typo = (w) => (w.length < 5 ? w : rnd() < 0.5 ? w.slice(0, 2) + w.slice(3) : w.slice(0, 3) + w[4] + w[3] + w.slice(5));
let articles = [];
// The kind of each query drawn, in order (recall is also printed per kind).
const kinds = [];
function query() {
  if (GENERATOR === 'varied' && rnd() < 0.33) {
    kinds.push('product');
    // About one generated article: its product (or error code) and two or three of its words.
    const a = pick(articles);
    const words = (a.title + ' ' + a.body).toLowerCase().match(/[a-z]{4,}/g);
    const own = Array.from({ length: 2 + Math.floor(rnd() * 2) }, () => pick(words));
    return [a.code && rnd() < 0.3 ? a.code : a.e.toLowerCase(), ...own].join(' ');
  }
  if (rnd() < 0.3) {
    kinds.push('fixture');
    return pick(fixtureQueries);
  }
  kinds.push('topic words');
  const t = pick(topics);
  const words = Array.from({ length: 2 + Math.floor(rnd() * 3) }, () => pick(t.words));
  return (rnd() < 0.25 ? words.map((w, i) => (i === 0 ? typo(w) : w)) : words).join(' ');
}

// ─── 1. embedder throughput ─────────────────────────────────────────────────────────────────
console.log(`kb-search bench: ${N} articles (${GENERATOR} generator), ${Q} queries, PostgreSQL ${new URL(fresh.url).host} (machine shared with other jobs: timings are noisy)`);
articles = Array.from({ length: N }, (_, i) => article(i));
const local = new LocalEmbedder();
// Drawn here so the seed's sequence (and so the search queries below) is the same with BENCH_REUSE_DB.
const qs = Array.from({ length: 2000 }, query);
if (!reuse) {
const chunks = articles.flatMap((a, ai) => chunkArticle(a).map((c) => ({ ai, ...c })));
const bytes = chunks.reduce((s, c) => s + Buffer.byteLength(c.content), 0);
let t = performance.now();
const cpu0 = process.cpuUsage();
const vectors = chunks.map((c) => hashEmbed(c.content));
let sec = (performance.now() - t) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSec = (cpu.user + cpu.system) / 1e6;
// Wall time depends on how much of a core this process got; CPU time does not.
console.log(`local embedder: ${chunks.length} chunks (${(bytes / 1e6).toFixed(1)} MB) in ${sec.toFixed(1)} s wall → ${Math.round(chunks.length / sec)} texts/s, ${(bytes / 1e6 / sec).toFixed(2)} MB/s; per CPU second (${cpuSec.toFixed(1)} s CPU): ${Math.round(chunks.length / cpuSec)} texts/s, ${(bytes / 1e6 / cpuSec).toFixed(2)} MB/s`);
t = performance.now();
for (const q of qs) hashEmbed(q);
console.log(`local embedder, short queries: ${(((performance.now() - t) * 1000) / qs.length).toFixed(0)} µs per query`);

// ─── 2. load and index ──────────────────────────────────────────────────────────────────────
const c = new pg.Client({ connectionString: fresh.url });
await c.connect();
try {
  t = performance.now();
  const ids = [];
  for (let i = 0; i < N; i += 2000) {
    const b = articles.slice(i, i + 2000);
    const r = await c.query(
      `insert into kb_articles (slug, title, summary, body, status, audience, published_at)
       select s, t, su, bo, 'published', 'public', now() from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as x(s, t, su, bo) returning id, slug`,
      [b.map((a) => a.slug), b.map((a) => a.title), b.map((a) => a.summary), b.map((a) => a.body)]
    );
    const bySlug = new Map(r.rows.map((x) => [x.slug, x.id]));
    for (const a of b) ids.push(bySlug.get(a.slug));
  }
  const tArticles = performance.now() - t;
  // Rebuilt after the load with the migrations' definition (its m and ef_construction).
  const indexDef = (await c.query(`select pg_get_indexdef('kb_embeddings_embedding_idx'::regclass) as d`)).rows[0].d;
  await c.query('drop index kb_embeddings_embedding_idx');
  t = performance.now();
  for (let i = 0; i < chunks.length; i += 1000) {
    const b = chunks.slice(i, i + 1000);
    await c.query(
      `insert into kb_embeddings (article_id, chunk_index, content, content_hash, model, embedding)
       select a, ci, co, h, $5, v::vector(384) from unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $6::text[]) as x(a, ci, co, h, v)`,
      [b.map((x) => ids[x.ai]), b.map((x) => x.index), b.map((x) => x.content), b.map((x) => chunkHash(local.id, x.content)), local.id, b.map((_, k) => vectorLiteral(vectors[i + k]))]
    );
  }
  const tVectors = performance.now() - t;
  console.log(`load: ${N} articles in ${(tArticles / 1000).toFixed(1)} s (tsvector computed on insert), ${chunks.length} vectors in ${(tVectors / 1000).toFixed(1)} s`);
  await c.query(`set maintenance_work_mem = '1GB'`);
  t = performance.now();
  await c.query(indexDef);
  console.log(`HNSW build (${/with \((.*)\)/i.exec(indexDef)?.[1] ?? 'm=16, ef_construction=64'}) over ${chunks.length} vectors: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await c.query('analyze kb_articles');
  await c.query('analyze kb_embeddings');
} finally {
  await c.end();
}
}

// ─── 3. search latency ──────────────────────────────────────────────────────────────────────
const database = await openDatabase({ databaseUrl: fresh.url, poolMax: 4 });
const db = database.db;
const queries = Array.from({ length: Q }, query);
const { sql } = await import('kysely');
try {
  for (const q of queries.slice(0, 30)) await searchKb(db, { query: q, mode: 'hybrid', limit: 10, audience: 'public', embedder: local });
  for (const mode of ['hybrid', 'keyword', 'semantic']) {
    const times = [];
    let empty = 0;
    for (const q of queries) {
      const s = performance.now();
      const hits = await searchKb(db, { query: q, mode, limit: 10, audience: 'public', embedder: local });
      times.push(performance.now() - s);
      if (!hits.length) empty++;
    }
    times.sort((a, b) => a - b);
    console.log(`${mode.padEnd(8)} search (limit 10, ${Q} queries): p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms, max ${times.at(-1).toFixed(1)} ms${empty ? `, ${empty} with no results` : ''}${mode === 'hybrid' ? ' (target p95 ≤ 20 ms)' : ''}`);
  }

  // ─── 4. recall@10 of the HNSW part ────────────────────────────────────────────────────────
  // The approximate query is the search's own (nearestChunks: the HNSW index plus the chunks of
  // articles with a rare query word, re-ranked by exact distance); the exact one orders every
  // chunk of the model by the same distance with index scans off.
  const nearest = async (trx, q, v, exact) =>
    exact
      ? sql`select id, e.embedding <=> cast(${v} as vector(384)) as d from kb_embeddings e where model = ${local.id} order by e.embedding <=> cast(${v} as vector(384)) limit 10`.execute(trx)
      : sql`select id, distance as d from (${nearestChunks({ vector: v, model: local.id, limit: 10, rareWords: await rareWords(db, queryWords(q)) })}) n order by distance`.execute(trx);
  const plan = await db.transaction().execute(async (trx) => {
    await sql`select set_config('hnsw.ef_search', ${String(EF_SEARCH)}, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)`.execute(trx);
    return sql`explain select id from kb_embeddings e where model = ${local.id} order by ${NEAREST_ORDER(vectorLiteral(hashEmbed('vpn')))} limit 10`.execute(trx);
  });
  console.log(`plan of the vector part: ${plan.rows.map((r) => r['QUERY PLAN'].trim()).filter((l) => /Scan/.test(l)).join(' | ')}`);
  // Two recalls: by id (the exact top 10's ids found), and by distance as ann-benchmarks counts it
  // (a result counts when it is no farther than the exact 10th neighbour + 1e-3): with many
  // near-duplicate chunks, several vectors tie at the 10th distance and the id recall counts a
  // tie that HNSW returned instead of the one the exact scan happened to list as a miss.
  const efs = [...new Set((process.env.BENCH_EF ?? `${EF_SEARCH},40,100,200,400`).split(','))].filter((x) => /^\d+$/.test(x)).map(Number);
  for (const ef of efs) {
    let hit = 0;
    let total = 0;
    let hitByDistance = 0;
    const times = [];
    const byKind = {};
    for (const [qi, q] of queries.entries()) {
      const v = vectorLiteral(hashEmbed(q));
      const s = performance.now();
      const approx = await db.transaction().execute(async (trx) => {
        await sql`select set_config('hnsw.ef_search', ${String(ef)}, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)`.execute(trx);
        return nearest(trx, q, v, false);
      });
      times.push(performance.now() - s);
      const exact = await db.transaction().execute(async (trx) => {
        await sql`set local enable_indexscan = off`.execute(trx);
        return nearest(trx, q, v, true);
      });
      const want = new Set(exact.rows.map((r) => r.id));
      total += want.size;
      const found = approx.rows.filter((r) => want.has(r.id)).length;
      hit += found;
      const kind = (byKind[kinds[qs.length + qi]] ??= { n: 0, hit: 0, total: 0 });
      kind.n++;
      kind.hit += found;
      kind.total += want.size;
      const kth = exact.rows.length ? Number(exact.rows[exact.rows.length - 1].d) : 0;
      hitByDistance += Math.min(want.size, approx.rows.filter((r) => Number(r.d) <= kth + 1e-3).length);
    }
    times.sort((a, b) => a - b);
    console.log(`HNSW ef_search=${ef}: recall@10 by id ${(hit / total).toFixed(3)}, by distance ${(hitByDistance / total).toFixed(3)} against the exact scan over ${queries.length} queries (target ≥ 0.95); vector query p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms`);
    console.log(`  by id, per kind of query: ${Object.entries(byKind).map(([k, x]) => `${k} (${x.n}) ${(x.hit / x.total).toFixed(3)}`).join(', ')}`);
  }
} finally {
  await database.close();
  if (!process.env.BENCH_KEEP_DB && !reuse) await fresh.drop();
  else console.log(`kept database: ${fresh.url}`);
}
