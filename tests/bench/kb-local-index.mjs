// Offline KB search in the browser's index (src/lib/client/kb-index-core.ts), in Node: build time
// for N synthetic articles (title, tags, summary, ~300-word Markdown body), query latency
// (p50/p95 over 500 queries of 1–4 words, the last one typed as a prefix), and the cost of
// re-indexing one changed article. Two vocabularies: "zipf" draws words from ~4,000 (150
// helpdesk words first, then made-up ones) with Zipf frequencies, like real text; "small" draws
// uniformly from the 150 helpdesk words only, so every word is in nearly every article (the
// worst case for an inverted index). Pure CPU: the browser's Dexie read is not included.
//   node tests/bench/kb-local-index.mjs [articles=2000] [seed=1] [zipf|small]
import { register } from 'tsx/esm/api';
import { percentile, ms } from './lib.mjs';

register();
const { KbIndex } = await import('../../src/lib/client/kb-index-core.ts');

const N = Number(process.argv[2] ?? 2000);
let seed = Number(process.argv[3] ?? 1);
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = (a) => a[Math.floor(rand() * a.length)];
const VOCAB = (
  'vpn password reset outlook mailbox calendar printer driver wifi network laptop battery monitor docking station teams meeting ' +
  'sharepoint onedrive sync folder permission access badge door phone mobile authenticator approval sign certificate browser chrome ' +
  'edge firefox cache cookie proxy firewall antivirus update windows macos linux install uninstall license software hardware keyboard ' +
  'mouse headset camera microphone audio video screen display resolution scanner toner paper jam queue spooler service restart reboot ' +
  'account locked expired policy group shared drive map storage quota backup restore file recover deleted email spam phishing report ' +
  'connect disconnect slow error message code crash freeze login logout session token timeout server remote desktop citrix'
).split(' ');
const SYL = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vi', 'so', 'pe', 'da', 'gor', 'lin', 'mar', 'tex', 'zen'];
const BIG = [...VOCAB, ...Array.from({ length: 4000 }, () => pick(SYL) + pick(SYL) + pick(SYL))];
// Zipf: P(rank k) ∝ 1/k, sampled through the cumulative weights.
const cum = [];
BIG.reduce((acc, _, k) => (cum.push(acc + 1 / (k + 1)), acc + 1 / (k + 1)), 0);
const zipf = () => {
  const x = rand() * cum.at(-1);
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return BIG[lo];
};
const MODE = process.argv[4] ?? 'zipf';
const words = (n) => Array.from({ length: n }, () => (MODE === 'small' ? pick(VOCAB) : zipf()));
const docs = Array.from({ length: N }, (_, i) => ({
  id: `a${i}`,
  slug: `article-${i}`,
  title: words(3 + Math.floor(rand() * 5)).join(' '),
  summary: words(12).join(' '),
  body: Array.from({ length: 6 }, () => `## ${words(3).join(' ')}\n\n${words(50).join(' ')}.`).join('\n\n'),
  tags: words(3),
  status: 'published',
  stamp: '1'
}));

const t0 = performance.now();
const index = new KbIndex();
for (const d of docs) index.add(d);
const build = performance.now() - t0;

const times = [];
let hits = 0;
for (let q = 0; q < 500; q++) {
  const ws = words(1 + Math.floor(rand() * 4));
  const last = ws.at(-1);
  ws[ws.length - 1] = last.slice(0, Math.max(2, Math.ceil(last.length * 0.6)));
  const t = performance.now();
  hits += index.search(ws.join(' '), { limit: 10 }).length;
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);

const upd = [];
for (let i = 0; i < 200; i++) {
  const d = docs[Math.floor(rand() * N)];
  const t = performance.now();
  index.add({ ...d, body: `${d.body}\n\n${words(20).join(' ')}`, stamp: String(i + 2) });
  upd.push(performance.now() - t);
}
upd.sort((a, b) => a - b);

console.log(`KB local index, ${N} articles, ${MODE} vocabulary (~${Math.round(docs.reduce((n, d) => n + d.body.length, 0) / N)} chars of body each)`);
console.log(`  build:            ${ms(build)} (${((N / build) * 1000).toFixed(0)} articles/s)`);
console.log(`  query p50 / p95:  ${ms(percentile(times, 50))} / ${ms(percentile(times, 95))} (500 queries, ${(hits / 500).toFixed(1)} hits each)`);
console.log(`  re-index one article p50 / p95: ${ms(percentile(upd, 50))} / ${ms(percentile(upd, 95))}`);
