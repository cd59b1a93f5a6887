// Initial JS per route, from the build itself (no browser): the client entry (`start` + `app` and
// their static imports) plus every layout and page node of the route with their static imports —
// the scripts SvelteKit loads before the route can render. Each file gzipped (zlib level 6) and
// summed. Lazy chunks (dynamic `import()`, e.g. the sync engine started after first paint) are not
// counted here; they are listed separately.
//
//   node tests/bench/bundle-report.mjs [/route ...]            (default: /login /tickets /tech /portal)
//   OUTPOST_BUNDLE_REPORT=/tmp/b.json npx vite build && node tests/bench/bundle-report.mjs --modules /tmp/b.json
//
// With `--modules <file>` (written by the `outpost:bundle-report` plugin in vite.config.ts) it also
// lists, per route, what those initial chunks carry, grouped by npm package or source folder
// (that part's unminified code gzipped: larger than its share of the minified chunk, for ranking).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { ensureBuilt, root } from './lib.mjs';

const args = process.argv.slice(2);
const modIdx = args.indexOf('--modules');
const modulesFile = modIdx >= 0 ? args[modIdx + 1] : null;
const routes = args.filter((a, i) => a.startsWith('/') && !(modIdx >= 0 && i === modIdx + 1));
if (!routes.length) routes.push('/login', '/tickets', '/tech', '/portal');

await ensureBuilt();
const out = path.join(root, '.svelte-kit/output');
const { manifest } = await import(pathToFileURL(path.join(out, 'server/manifest.js')).href);
const client = manifest._.client;
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;

const gzCache = new Map();
function size(file) {
	if (!gzCache.has(file)) {
		const buf = fs.readFileSync(path.join(out, 'client', file));
		gzCache.set(file, { raw: buf.length, gz: zlib.gzipSync(buf, { level: 6 }).length });
	}
	return gzCache.get(file);
}
/** Server node index → client files it imports statically (the node file itself first). */
async function nodeImports(i) {
	const node = await manifest._.nodes[i]();
	return node.imports ?? [];
}

const report = modulesFile ? JSON.parse(fs.readFileSync(modulesFile, 'utf8')) : null;
/** Chunks reachable through dynamic imports from a set of chunks, minus those already loaded. */
function lazyFrom(files) {
	if (!report) return [];
	const have = new Set(files);
	const seen = new Set();
	const walk = (name, viaDynamic) => {
		const c = report[name];
		if (!c) return;
		const next = [...c.dynamicImports, ...(viaDynamic ? c.imports : [])];
		for (const d of next) {
			if (have.has(d) || seen.has(d)) continue;
			seen.add(d);
			walk(d, true);
		}
	};
	for (const f of have) walk(f, false);
	return [...seen];
}
function packageOf(id) {
	const m = id.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
	if (m) return m[1];
	const parts = id.replace(/\?.*$/, '').split('/');
	return parts.slice(0, Math.min(parts.length - 1, 3)).join('/') || id;
}

for (const route of routes) {
	const r = manifest._.routes.find((x) => x.page && x.pattern.test(route));
	if (!r) {
		console.log(`${route}: no page route`);
		continue;
	}
	const files = new Set(client.imports);
	for (const i of [...r.page.layouts.filter((x) => x !== undefined), r.page.leaf]) for (const f of await nodeImports(i)) files.add(f);
	const list = [...files];
	const total = list.reduce((s, f) => ({ raw: s.raw + size(f).raw, gz: s.gz + size(f).gz }), { raw: 0, gz: 0 });
	console.log(`${route} (${r.id}): initial JS ${kb(total.gz)} gzip (${kb(total.raw)} raw, ${list.length} files; target ≤ 80 KB)`);
	if (!report) continue;
	const byPkg = new Map();
	for (const f of list) {
		const c = report[f];
		if (!c) continue;
		for (const [id, code] of Object.entries(c.modules)) byPkg.set(packageOf(id), (byPkg.get(packageOf(id)) ?? '') + code + '\n');
	}
	const top = [...byPkg].map(([p, code]) => [p, zlib.gzipSync(code, { level: 6 }).length]).sort((a, b) => b[1] - a[1]).slice(0, 14);
	console.log('   largest parts (each part\'s unminified code gzipped): ' + top.map(([p, n]) => `${p} ${kb(n)}`).join(', '));
	const lazy = lazyFrom(list).filter((f) => fs.existsSync(path.join(out, 'client', f)));
	const lazyGz = lazy.reduce((s, f) => s + size(f).gz, 0);
	console.log(`   reachable later by dynamic import: ${kb(lazyGz)} gzip in ${lazy.length} files`);
}
