// The process-wide application: database, services and the WebSocket hub, built once at boot
// (SvelteKit's `init` hook) and kept on globalThis so Vite's dev reloads reuse one embedded DB.
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { config, type Config } from './config';
import { openDatabase, ping, type Database } from './db/connection';
import { migrate } from './db/migrate';
import { preparedName } from './db/prepared';
import { SettingsService } from './settings/service';
import { AuthService } from './auth/service';
import { UsersService } from './users/service';
import { TokenKit } from './auth/tokens';
import { RealtimeHub } from './realtime/hub';
import { PresenceBus } from './realtime/presence';
import { ChangeFeed } from './realtime/feed';
import { NotificationListener } from './realtime/listen';
import { replyShape } from './sync/gatekeeper';
import { errorResponse } from './http/route';
import { ShapeMuxSession } from '$sync/server/mux';
import { TicketsService } from './tickets/service';
import { TicketLifecycleService } from './tickets/lifecycle-service';
import { RelationsService } from './tickets/relations-service';
import { TicketWorkService } from './tickets/work-service';
import { TicketConfigService } from './tickets/config-service';
import { SurveyTokens } from './tickets/survey-token';
import { AssetsService } from './assets/service';
import { NotificationsService } from './notifications/service';
import { MutationService } from './mutations/service';
import { FilesService } from './files/service';
import { SlaService } from './sla/service';
import type { SlaChecks } from './escalation/sla-checks';
import { getSyncEngine, stopSyncEngine, type SyncEngine } from '$sync/server/engine';
import { resolveSecret } from './bootstrap/secret';
import { ensureFirstAdmin } from './bootstrap/first-admin';
import { log } from './log';
import { systemActor, type Actor } from '$lib/domain/auth/permissions';
import { recordAudit } from './audit/service';
import path from 'node:path';
import { buildBackground, type Background } from './jobs/wiring';
import { createHmac } from 'node:crypto';
import { EmailIngestService } from './email/ingest';
import { EmailService } from './email/service';
import { MailboxRunner } from './email/runner';
import { keyRing } from './email/secrets';
import { startInboundSmtp } from './email/smtp-inbound';
import { KbService } from './kb/service';
import { setSearchKeyRing } from './search/provider';
import { AiService } from './ai/service';
import { AiConfigService } from './ai/config';
import { hybridKbSearch } from './ai/kb-port';
import { KbSearchService } from './search/kb-search';
import { llmDraftWriter } from './ai/kb-draft';
import { structuredDraftWriter } from '$lib/domain/kb/draft';
import { AiEventRelay, AI_CHANNEL } from './ai/relay';
import { sql } from 'kysely';
import { userRoom } from '$lib/domain/realtime/events';
import { OutboundMail } from './email/outbound';
import { RequesterLinks } from './email/requester-link';
import { publicBaseUrl } from './email/base-url';
import { RequesterThreadService } from './email/requester-thread';

export interface App {
  config: Config;
  database: Database;
  settings: SettingsService;
  auth: AuthService;
  users: UsersService;
  tickets: TicketsService;
  /** Ticket lifecycle (REST API, relations, work, survey, admin config): issue 5 §1/§7/§8. */
  ticketApi: TicketLifecycleService;
  ticketRelations: RelationsService;
  ticketWork: TicketWorkService;
  ticketConfig: TicketConfigService;
  assets: AssetsService;
  notifications: NotificationsService;
  mutations: MutationService;
  files: FilesService;
  sla: SlaService;
  /** The embedded Shape API engine (unused when ELECTRIC_URL proxies to the real Electric). */
  sync: SyncEngine;
  hub: RealtimeHub;
  /** Who is viewing/typing on which ticket, across instances (LISTEN/NOTIFY). */
  presence: PresenceBus;
  /** jobs: pg-boss queue, assignment, escalation, mail transport (workers run here unless OUTPOST_WORKERS=external). */
  background: Background;
  /** Email channel: configuration, webhook/SMTP intake and the ingest pipeline. */
  email: EmailService;
  emailIngest: EmailIngestService;
  /** Knowledge base: articles, workflow, versions, feedback, drafts from resolved tickets (issue 7). */
  kb: KbService;
  /** Knowledge-base search as a reader (keyword, semantic, hybrid). */
  kbSearch: KbSearchService;
  /** AI assistant (issue 7 §3): chat turns with tool calls, streamed over /ws. */
  ai: AiService;
  /** Outbound mail: compose/deliver, the failed-mail view (email issue). */
  outbound: OutboundMail;
  /** The signed public thread page for requesters without an account (/r/<token>). */
  requesterThread: RequesterThreadService;
  startedAt: number;
  schemaVersion: number;
}

const APP = Symbol.for('outpost.app');
const RUNTIME = Symbol.for('outpost.runtime');
type G = typeof globalThis & { [APP]?: Promise<App>; [RUNTIME]?: unknown };
const g = globalThis as G;

export function app(): Promise<App> {
  const a = g[APP];
  if (!a) throw new Error('Outpost app not started');
  return a;
}

export function startApp(cfg: Config = config()): Promise<App> {
  g[APP] ??= boot(cfg).catch((e) => {
    delete g[APP];
    throw e;
  });
  return g[APP];
}

async function boot(cfg: Config): Promise<App> {
  const t0 = performance.now();
  const database = await openDatabase({ databaseUrl: cfg.DATABASE_URL, pgliteDir: path.join(cfg.dataDir, 'db') });
  const tOpen = performance.now();
  const migration = await migrate(database.db);
  const tMigrate = performance.now();
  const secret = resolveSecret(cfg.OUTPOST_SECRET, cfg.dataDir, database.engine === 'postgres');
  const settings = new SettingsService(database.db);
  const tokens = new TokenKit(secret, cfg.OUTPOST_ACCESS_TTL);
  const auth = new AuthService(database.db, tokens, settings);
  const users = new UsersService(database.db, auth);
  const files = new FilesService(database.db, settings, cfg.dataDir);
  const tickets = new TicketsService(database.db, files);
  const assets = new AssetsService(database.db);
  const notifications = new NotificationsService(database.db);
  const ticketRelations = new RelationsService(database.db, tickets);
  const ticketWork = new TicketWorkService(database.db, tickets, new SurveyTokens(secret));
  const ticketApi = new TicketLifecycleService(database.db, tickets, ticketRelations, ticketWork, settings);
  const ticketConfig = new TicketConfigService(database.db);
  const mutations = new MutationService(database.db, { tickets, assets, notifications, ticketRelations, ticketWork });
  const sla = new SlaService(database.db);
  // jobs: background work and the assignment decided on ticket creation (same transaction).
  // The SLA engine records breaches and measures escalation's percent thresholds, both on the
  // policies' business calendars.
  const slaChecks: SlaChecks = { checkBreaches: (now) => sla.checkBreaches(now), progress: (now) => sla.progress(now) };
  // Email issue: outbound mail (compose in the caller's transaction, deliver by job).
  const ring = keyRing({ emailKey: cfg.OUTPOST_EMAIL_KEY, previousKeys: cfg.OUTPOST_EMAIL_KEY_PREVIOUS, appSecret: secret });
  const loopToken = `outpost-${createHmac('sha256', secret).update('x-loop').digest('hex').slice(0, 12)}`;
  const links = new RequesterLinks(secret);
  const outbound = new OutboundMail(database.db, { secret, ring, links, loopToken, baseUrl: () => publicBaseUrl(cfg) });
  tickets.mailer = outbound;
  auth.mailer = outbound;
  const requesterThread = new RequesterThreadService(database.db, tickets, links);
  // KB drafts from resolved tickets: the LLM's when the assistant is configured, else structured.
  const aiConfig = new AiConfigService(database.db, ring, cfg.OUTPOST_GROQ_BASE_URL);
  const kb = new KbService(database.db, { files, drafter: llmDraftWriter(aiConfig, structuredDraftWriter) });
  const background = buildBackground(database.db, { work: cfg.OUTPOST_WORKERS === 'embedded', pollingIntervalSeconds: cfg.OUTPOST_JOBS_POLL_SECONDS, sla: slaChecks, mail: outbound, kb });
  tickets.autoAssign = (trx, t, now) => background.assignment.decide(trx, t, now);
  // kb: a resolved ticket queues a KB draft in the resolving transaction.
  tickets.afterStatusChange.push((trx, _ctx, c) => (c.to === 'resolved' ? background.jobs.enqueue(trx, 'kb.draft-from-ticket', { ticketId: c.id }) : Promise.resolve()));
  const hub = new RealtimeHub();
  const sync = getSyncEngine({
    db: database.db,
    engine: database.engine,
    databaseUrl: cfg.DATABASE_URL,
    pglite: database.pglite,
    log: (level, msg, data) => log[level](msg, data),
    prepare: preparedName
  });
  const rtLog = (level: 'info' | 'warn' | 'error', msg: string, data?: Record<string, unknown>) => log[level](msg, data);
  const presence = new PresenceBus({ db: database.db, onChange: (ticketId) => hub.presenceChanged(ticketId), log: rtLog });
  hub.configure({ canWatch: (actor, ticketId) => tickets.canRead(actor, ticketId), presence });
  // The embedding provider's API key is sealed with the same keys as email credentials.
  setSearchKeyRing(ring);
  const emailIngest = new EmailIngestService(database.db, tickets, { secret, loopToken, maxBytes: cfg.OUTPOST_EMAIL_MAX_BYTES });
  emailIngest.mailer = outbound;
  // An acknowledgement composed in an ingest transaction goes out as soon as it commits (not at the next poll).
  emailIngest.afterCommit = () => background.jobs.wake('email.deliver');
  emailIngest.files = files;
  const email = new EmailService(database.db, ring, emailIngest);
  email.afterConfigChange.push(() => outbound.forgetConfiguration());
  // ai:response reaches the user's sockets on every instance (NOTIFY on PostgreSQL).
  const aiRelay = new AiEventRelay({
    local: (userId, e) => hub.publish(userRoom(userId), e),
    notify: database.engine === 'postgres' ? (p) => sql`select pg_notify(${AI_CHANNEL}, ${p})`.execute(database.db) : undefined,
    onError: (e) => log.warn('ai event NOTIFY failed', { error: e instanceof Error ? e.message : String(e) })
  });
  // AI: the search_knowledge_base tool reads the same hybrid search as the REST route and the portal.
  const ai = new AiService({ db: database.db, config: aiConfig, settings, tickets: ticketApi, kbSearch: hybridKbSearch(database.db), publish: (userId, e) => aiRelay.publish(userId, e) });
  const a: App = { config: cfg, database, settings, auth, users, tickets, ticketApi, ticketRelations, ticketWork, ticketConfig, assets, notifications, mutations, files, sla, sync, hub, presence, background, email, emailIngest, kb, kbSearch: new KbSearchService(database.db), ai, outbound, requesterThread, startedAt: Date.now(), schemaVersion: migration.current };
  const stopEmail: (() => Promise<void>)[] = [];

  if (!cfg.OUTPOST_MIGRATE_ONLY) {
    const stopJanitor = files.startJanitor();
    process.once('beforeExit', stopJanitor);
    const admin = await ensureFirstAdmin(database.db, { email: cfg.OUTPOST_ADMIN_EMAIL, password: cfg.OUTPOST_ADMIN_PASSWORD });
    if (cfg.OUTPOST_DEMO) {
      const { loadDemoData } = await import('./demo/seed');
      const t = performance.now();
      const r = await loadDemoData(database.db, { adminId: admin.adminId });
      if (r.loaded) {
        await recordAudit(database.db, { actor: systemActor, source: 'system' }, { action: 'demo.load', entityType: 'system', after: r.counts });
        log.info('demo data loaded', { counts: r.counts, ms: Math.round(performance.now() - t) });
        process.stdout.write(`\n  Demo data loaded. Demo agents sign in with the password: ${r.agentPassword}\n\n`);
      }
    }
  }
  let realtime: Realtime | null = null;
  if (!cfg.OUTPOST_MIGRATE_ONLY) {
    // Real time (ARCHITECTURE §6): every instance reads the committed changes itself (through its
    // sync tailer's reads while that reads, feed.ts) and shares presence over NOTIFY; one LISTEN
    // connection serves both.
    const feed = new ChangeFeed({ db: database.db, deliver: (r) => hub.deliver(r), log: rtLog });
    const listener = new NotificationListener({
      engine: database.engine,
      databaseUrl: cfg.DATABASE_URL,
      pglite: database.pglite,
      channels: { outpost_changes: () => feed.kick(), outpost_presence: (p) => presence.receive(p), [AI_CHANNEL]: (p) => aiRelay.receive(p) },
      onReconnect: () => {
        feed.kick(false);
        presence.reannounce();
      },
      log: rtLog
    });
    await feed.start();
    // One read of the change log for the feed and the embedded sync engine's tailer (feed.ts).
    if (!cfg.ELECTRIC_URL) feed.follow(sync.changeWindows());
    presence.start();
    await listener.start();
    realtime = { feed, listener };
  }
  if (!cfg.OUTPOST_MIGRATE_ONLY) {
    await background.start();
    // A new version of the built-in embedder re-embeds the knowledge base (a no-op otherwise).
    await background.embeddings.adoptLocalModel();
  }
  if (!cfg.OUTPOST_MIGRATE_ONLY) {
    if (cfg.OUTPOST_EMAIL_POLLING === '1') {
      const runner = new MailboxRunner(database.db, emailIngest, ring, cfg.OUTPOST_EMAIL_MAX_BYTES);
      await runner.start();
      stopEmail.push(() => runner.stop());
    }
    if (cfg.OUTPOST_SMTP_PORT !== undefined) {
      const smtp = await startInboundSmtp(email, {
        port: cfg.OUTPOST_SMTP_PORT,
        host: cfg.OUTPOST_SMTP_HOST,
        maxBytes: cfg.OUTPOST_EMAIL_MAX_BYTES,
        tlsKeyPath: cfg.OUTPOST_SMTP_TLS_KEY,
        tlsCertPath: cfg.OUTPOST_SMTP_TLS_CERT,
        auth: cfg.OUTPOST_SMTP_AUTH
      });
      stopEmail.push(() => smtp.close());
    }
  }
  registerRuntime(a, realtime, stopEmail);
  // The embedded shape engine follows the change log from boot (not from the first sync request):
  // a bulk import is then already read when a device asks for its snapshot, and live requests
  // don't pay for the catch-up.
  if (!cfg.ELECTRIC_URL && !cfg.OUTPOST_MIGRATE_ONLY) void sync.start().catch((e) => log.warn('sync engine start failed (retried on the first sync request)', { error: e instanceof Error ? e.message : String(e) }));
  log.info('app ready', {
    engine: database.engine,
    dataDir: database.engine === 'pglite' ? database.dataDir : undefined,
    migrationsApplied: migration.applied,
    schemaVersion: migration.current,
    openMs: Math.round(tOpen - t0),
    migrateMs: Math.round(tMigrate - tOpen),
    totalMs: Math.round(performance.now() - t0)
  });
  return a;
}

export async function health(a: App) {
  try {
    const latencyMs = await ping(a.database.db);
    return { ok: true, engine: a.database.engine, latencyMs: Math.round(latencyMs * 100) / 100, schemaVersion: a.schemaVersion };
  } catch (e) {
    return { ok: false, engine: a.database.engine, latencyMs: null, schemaVersion: null, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Parses the Cookie header without a dependency (only what /ws needs). */
function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
}

interface Realtime {
  feed: ChangeFeed;
  listener: NotificationListener;
}

function registerRuntime(a: App, realtime: Realtime | null, stopEmail: (() => Promise<void>)[] = []) {
  g[RUNTIME] = {
    async authenticateUpgrade(req: IncomingMessage): Promise<{ ok: boolean; status?: number; user?: Actor; reauth?: () => Promise<Actor | 'expired' | null> }> {
      // Cross-site WebSocket hijacking: a browser always sends Origin; it must be ours.
      const origin = req.headers.origin;
      if (origin) {
        const expected = a.config.OUTPOST_PUBLIC_URL ? new URL(a.config.OUTPOST_PUBLIC_URL).host : req.headers.host;
        let host: string | undefined;
        try {
          host = new URL(origin).host;
        } catch {
          /* malformed */
        }
        if (host !== expected) return { ok: false, status: 403 };
      }
      const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const cookieToken = bearer ? undefined : cookie(req.headers.cookie, 'outpost_at');
      // The same credential, checked again later (live shape requests re-check it every time).
      const reauth = async (): Promise<Actor | 'expired' | null> => {
        if (bearer?.startsWith('op_')) return a.auth.authenticateApiKey(bearer);
        if (bearer) return a.auth.authenticateAccess(bearer, 'bearer');
        return cookieToken ? a.auth.authenticateAccess(cookieToken, 'cookie') : null;
      };
      const actor = await reauth();
      if (!actor || actor === 'expired') return { ok: false, status: 401 };
      return { ok: true, user: actor, reauth };
    },
    onConnection(ws: WebSocket, actor: Actor, reauth: () => Promise<Actor | 'expired' | null>, req?: IncomingMessage) {
      const shapes = new ShapeMuxSession<Actor>(ws, reauth, (who, url, signal) =>
        replyShape(a, who, url, signal).catch((err) => errorResponse(err))
      );
      // `/ws?events=0`: a socket only for live shape requests (the sync engine's) gets no events.
      const events = new URL(req?.url ?? '/ws', 'http://x').searchParams.get('events') !== '0';
      a.hub.onConnection(ws, actor, [shapes], reauth, { events });
    },
    async shutdown() {
      await Promise.all(stopEmail.map((stop) => stop().catch(() => {})));
      realtime?.feed.stop();
      a.presence.stop();
      a.hub.closeAll();
      await realtime?.listener.stop();
      await a.background.stop().catch((e) => log.warn('job queue stop failed', { error: e }));
      a.outbound.close();
      await stopSyncEngine();
      await a.database.close();
    }
  };
}
