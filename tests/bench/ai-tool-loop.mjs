// Server overhead of the assistant's tool loop, excluding model time: real PostgreSQL (a fresh
// database, dropped afterwards), the real services and groq-sdk, against the local fake Groq
// (tests/support/fake-groq.ts) answering at once. Each turn is 3 model steps: search_knowledge_base
// (over N published articles), get_ticket_status, then a streamed answer.
//   A. per step, from the loop's own step timer: step wall time − the fake server's time for that
//      request (what is left: HTTP + SSE parsing in groq-sdk, tool-call assembly, zod, the tool
//      itself with its queries, the audit write, event emission);
//   B. per turn through AiService.postMessage (rate-limit check, turn row, history, final save):
//      (turn wall − fake time) / steps.
// Target: ≤ 20 ms p95 per step. Usage: node tests/bench/ai-tool-loop.mjs [turns=200] [articles=2000]
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { tsImport } from 'tsx/esm/api';
import { uuidv7 } from 'uuidv7';
import { root, freshPgDatabase, percentile, ms } from './lib.mjs';

const TURNS = Number(process.argv[2] ?? 200);
const ARTICLES = Number(process.argv[3] ?? 2000);
const imp = (p) => tsImport(path.join(root, p), import.meta.url);

const fresh = await freshPgDatabase();
if (!fresh) {
  console.error('ai-tool-loop bench: needs PostgreSQL (TEST_DATABASE_URL or BENCH_DATABASE_URL)');
  process.exit(2);
}
let c, database, fake;
try {
  const { openDatabase } = await imp('src/lib/server/db/connection.ts');
  const { SettingsService } = await imp('src/lib/server/settings/service.ts');
  const { TicketsService } = await imp('src/lib/server/tickets/service.ts');
  const { RelationsService } = await imp('src/lib/server/tickets/relations-service.ts');
  const { TicketWorkService } = await imp('src/lib/server/tickets/work-service.ts');
  const { TicketLifecycleService } = await imp('src/lib/server/tickets/lifecycle-service.ts');
  const { SurveyTokens } = await imp('src/lib/server/tickets/survey-token.ts');
  const { keyRing } = await imp('src/lib/server/email/secrets.ts');
  const { AiConfigService, groqClient } = await imp('src/lib/server/ai/config.ts');
  const { AiService } = await imp('src/lib/server/ai/service.ts');
  const { AiToolRunner } = await imp('src/lib/server/ai/tools.ts');
  const { runTurn, groqStream } = await imp('src/lib/server/ai/loop.ts');
  const { hybridKbSearch } = await imp('src/lib/server/ai/kb-port.ts');
  const { DEFAULT_GRANTS } = await imp('src/lib/domain/auth/permissions.ts');
  const { DEFAULT_LIMITS } = await imp('src/lib/domain/ai/schemas.ts');
  const { FakeGroq } = await imp('tests/support/fake-groq.ts');

  c = new pg.Client({ connectionString: fresh.url });
  await c.connect();
  for (const f of fs.readdirSync(path.join(root, 'migrations')).filter((f) => f.endsWith('.sql')).sort()) {
    await c.query(fs.readFileSync(path.join(root, 'migrations', f), 'utf8'));
  }
  const mkUser = async (role, name) => {
    const id = uuidv7();
    await c.query(`insert into users (id, email, name) values ($1, $2, $3)`, [id, `${name}.${id.slice(-6)}@bench.test`, name]);
    await c.query(`insert into user_roles (user_id, role_id) select $1, id from roles where key = $2`, [id, role]);
    return { actor: { id, email: `${name}@bench.test`, name, roles: [role], permissions: new Set(DEFAULT_GRANTS[role]), via: 'bearer' }, source: 'api' };
  };
  const admin = await mkUser('admin', 'Bench Admin');
  const user = await mkUser('end_user', 'Bench User');
  const words = ['vpn', 'printer', 'password', 'email', 'laptop', 'wifi', 'monitor', 'teams', 'outlook', 'badge', 'docking', 'certificate', 'backup', 'phone', 'license'];
  const t0 = performance.now();
  for (let i = 0; i < ARTICLES; i += 500) {
    const n = Math.min(500, ARTICLES - i);
    await c.query(
      `insert into kb_articles (slug, title, summary, body, status, audience, published_at)
       select 'a-' || g, initcap(($1::text[])[1 + g % 15]) || ' help ' || g, 'How to fix ' || ($1::text[])[1 + (g * 7) % 15],
              repeat('Steps for ' || ($1::text[])[1 + g % 15] || ' and ' || ($1::text[])[1 + (g * 3) % 15] || '. ', 40), 'published',
              case when g % 5 = 0 then 'internal' else 'public' end, now()
       from generate_series($2::int, $3::int) g`,
      [words, i, i + n - 1]
    );
  }
  console.log(`seeded ${ARTICLES} articles in ${ms(performance.now() - t0)}`);

  database = await openDatabase({ databaseUrl: fresh.url, poolMax: 10 });
  const db = database.db;
  const KEY = 'gsk_bench_key_0123456789abcdef';
  fake = await FakeGroq.start([KEY]);
  const settings = new SettingsService(db);
  const base = new TicketsService(db);
  const tickets = new TicketLifecycleService(db, base, new RelationsService(db, base), new TicketWorkService(db, base, new SurveyTokens('bench-secret')), settings);
  const config = new AiConfigService(db, keyRing({ appSecret: 'bench-secret-0123456789' }), fake.url);
  await config.update(admin, { apiKey: KEY, limits: { turnsPerWindow: 10_000, maxSteps: 6 } });
  const finals = new Map();
  const ai = new AiService({ db, config, settings, tickets, kbSearch: hybridKbSearch(db), publish: (_u, e) => e.phase === 'final' && finals.set(e.turnId, performance.now()) });
  const ticket = await tickets.create(user, { subject: 'My laptop will not dock', description: 'Docking station flickers' });
  const script = (i) => [
    { kind: 'tools', calls: [{ name: 'search_knowledge_base', args: { query: `${words[i % 15]} ${words[(i * 7) % 15]} not working` } }] },
    { kind: 'tools', calls: [{ name: 'get_ticket_status', args: { ticket: ticket.number } }] },
    { kind: 'text', text: 'Here is what I found: restart the docking station, then check the article above. Your ticket is waiting for an agent.', chunkSize: 6 }
  ];
  const fakeTime = (from) => fake.completions().slice(from).reduce((s, r) => s + r.serverMs, 0);

  // A. the loop itself, step by step.
  const tools = new AiToolRunner(db, tickets, hybridKbSearch(db));
  const stream = groqStream(groqClient(KEY, fake.url));
  const limits = { ...DEFAULT_LIMITS, maxSteps: 6 };
  const perStep = [];
  const toolMs = [];
  const runOne = async (i) => {
    fake.push(...script(i));
    const from = fake.completions().length;
    const convId = (await ai.createConversation(user)).id;
    const r = await runTurn(
      { turnId: uuidv7(), ctx: user, model: 'openai/gpt-oss-20b', limits, messages: [{ role: 'system', content: 'bench' }, { role: 'user', content: 'help' }], tools: ['search_knowledge_base', 'create_ticket', 'get_ticket_status'], nonce: 'benchnonce000000' },
      { stream, tools, emit: () => {}, audit: async (a) => {
          toolMs.push([a.name, a.ms]);
          await c.query(`update ai_conversations set tool_calls = tool_calls || $1::jsonb where id = $2`, [JSON.stringify([a]), convId]);
        } }
    );
    const reqs = fake.completions().slice(from);
    if (r.steps !== 3 || reqs.length !== 3) throw new Error(`expected 3 steps, got ${r.steps} (${r.stopReason})`);
    return r.stepTimes.map((s, k) => s.wallMs - reqs[k].serverMs);
  };
  for (let i = 0; i < 20; i++) await runOne(i); // warm-up (JIT, connections, SDK)
  const cpuA = process.cpuUsage();
  for (let i = 0; i < TURNS; i++) perStep.push(...(await runOne(i)));
  const cpuAms = (() => { const d = process.cpuUsage(cpuA); return (d.user + d.system) / 1000; })();

  // B. whole turns through the service.
  const perTurnStep = [];
  const cpuB = process.cpuUsage();
  const conv = await ai.createConversation(user);
  for (let i = 0; i < Math.min(TURNS, 200); i++) {
    fake.push(...script(i));
    const from = fake.completions().length;
    const start = performance.now();
    const { turnId } = await ai.postMessage(user, (await ai.createConversation(user)).id, { content: `question ${i}: my ${words[i % 15]} is broken` });
    await ai.idle();
    const wall = finals.get(turnId) - start;
    perTurnStep.push((wall - fakeTime(from)) / 3);
  }
  void conv;
  const cpuBms = (() => { const d = process.cpuUsage(cpuB); return (d.user + d.system) / 1000; })();
  const turnsB = Math.min(TURNS, 200);

  const show = (label, xs) => {
    const s = [...xs].sort((a, b) => a - b);
    console.log(`${label}: n=${s.length}  p50 ${ms(percentile(s, 50))}  p95 ${ms(percentile(s, 95))}  p99 ${ms(percentile(s, 99))}  max ${ms(s.at(-1))}`);
    return percentile(s, 95);
  };
  console.log(`\nAI tool loop, server overhead per step excluding model time (fake Groq answering at once; ${ARTICLES} KB articles; PostgreSQL)`);
  const p95a = show('A. loop step (wall − fake server time)', perStep);
  const p95b = show('B. whole turn via AiService, per step', perTurnStep);
  for (const name of ['search_knowledge_base', 'get_ticket_status']) show(`   of which the ${name} tool`, toolMs.filter(([n]) => n === name).slice(20).map(([, v]) => v));
  console.log(`Node CPU per step (this process: server code + fake + groq-sdk client; PostgreSQL's own CPU not included): A ${ms(cpuAms / (TURNS * 3))}, B ${ms(cpuBms / (turnsB * 3))}`);
  const fakeMs = fake.completions().map((r) => r.serverMs).sort((a, b) => a - b);
  console.log(`fake server time per request: p50 ${ms(percentile(fakeMs, 50))}, p95 ${ms(percentile(fakeMs, 95))} (subtracted)`);
  console.log(`target ≤ 20 ms p95 per step: A ${p95a <= 20 ? 'met' : 'NOT met'}, B ${p95b <= 20 ? 'met' : 'NOT met'}`);
} finally {
  await fake?.stop();
  await database?.close();
  await c?.end();
  await fresh.drop();
}
