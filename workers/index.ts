// `npm run workers`: the production background process (ARCHITECTURE §7). Runs the pg-boss job
// handlers (sla.escalate every minute, email.deliver, …) against DATABASE_URL while the web
// processes run with OUTPOST_WORKERS=external (they only enqueue). Any number of these may run:
// pg-boss hands each job to one of them, and escalation is exactly-once by its own guard.
// Embedded PGlite has one owner process, so this entry needs PostgreSQL. The schema must be
// migrated already (the web process does it at start, or `npm run db:migrate`): migrations are
// bundled by Vite and this entry runs through tsx.
import { loadConfig } from '../src/lib/server/config';
import { openDatabase } from '../src/lib/server/db/connection';
import { buildBackground } from '../src/lib/server/jobs/wiring';
import { log } from '../src/lib/server/log';
import { createHmac } from 'node:crypto';
import { resolveSecret } from '../src/lib/server/bootstrap/secret';
import { keyRing } from '../src/lib/server/email/secrets';
import { OutboundMail } from '../src/lib/server/email/outbound';
import { RequesterLinks } from '../src/lib/server/email/requester-link';
import { publicBaseUrl } from '../src/lib/server/email/base-url';
import { setSearchKeyRing } from '../src/lib/server/search/provider';
import { SlaService } from '../src/lib/server/sla/service';
import { KbService } from '../src/lib/server/kb/service';
import { AiConfigService } from '../src/lib/server/ai/config';
import { llmDraftWriter } from '../src/lib/server/ai/kb-draft';
import { structuredDraftWriter } from '../src/lib/domain/kb/draft';

const cfg = loadConfig();
if (!cfg.DATABASE_URL) {
  log.error('workers: DATABASE_URL is required (the embedded database runs its workers inside the app)');
  process.exit(2);
}
const database = await openDatabase({ databaseUrl: cfg.DATABASE_URL, poolMax: 5 });
// email.deliver sends what the web process composed: the same relay, key ring and loop token.
const secret = resolveSecret(cfg.OUTPOST_SECRET, cfg.dataDir, true);
const ring = keyRing({ emailKey: cfg.OUTPOST_EMAIL_KEY, previousKeys: cfg.OUTPOST_EMAIL_KEY_PREVIOUS, appSecret: secret });
// Opens the embedding provider's stored API key (kb.embed-article / kb.reembed-all).
setSearchKeyRing(ring);
const mail = new OutboundMail(database.db, {
  secret,
  ring,
  links: new RequesterLinks(secret),
  loopToken: `outpost-${createHmac('sha256', secret).update('x-loop').digest('hex').slice(0, 12)}`,
  baseUrl: () => publicBaseUrl(cfg)
});
// The same SLA checks (business-time escalation thresholds) and KB drafter as the app's.
const sla = new SlaService(database.db);
const kb = new KbService(database.db, { drafter: llmDraftWriter(new AiConfigService(database.db, ring, cfg.OUTPOST_GROQ_BASE_URL), structuredDraftWriter) });
const bg = buildBackground(database.db, {
  work: true,
  pollingIntervalSeconds: cfg.OUTPOST_JOBS_POLL_SECONDS,
  mail,
  kb,
  sla: { checkBreaches: (now) => sla.checkBreaches(now), progress: (now) => sla.progress(now) }
});
await bg.start();
log.info('workers ready', { pid: process.pid });

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info('workers stopping', { signal });
  await bg.stop().catch((e) => log.error('job queue stop failed', { error: e }));
  await database.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
