// The process-wide application: database, services and the WebSocket hub, built once at boot
// (SvelteKit's `init` hook) and kept on globalThis so Vite's dev reloads reuse one embedded DB.
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { config, type Config } from './config';
import { openDatabase, ping, type Database } from './db/connection';
import { migrate } from './db/migrate';
import { SettingsService } from './settings/service';
import { AuthService } from './auth/service';
import { UsersService } from './users/service';
import { TokenKit } from './auth/tokens';
import { RealtimeHub } from './realtime/hub';
import { serveShape } from './sync/gatekeeper';
import { errorResponse } from './http/route';
import { ShapeMuxSession } from '$sync/server/mux';
import { TicketsService } from './tickets/service';
import { AssetsService } from './assets/service';
import { NotificationsService } from './notifications/service';
import { MutationService } from './mutations/service';
import { getSyncEngine, stopSyncEngine, type SyncEngine } from '$sync/server/engine';
import { resolveSecret } from './bootstrap/secret';
import { ensureFirstAdmin } from './bootstrap/first-admin';
import { log } from './log';
import { systemActor, type Actor } from '$lib/domain/auth/permissions';
import { recordAudit } from './audit/service';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import { EmailIngestService } from './email/ingest';
import { EmailService } from './email/service';
import { MailboxRunner } from './email/runner';
import { keyRing } from './email/secrets';
import { startInboundSmtp } from './email/smtp-inbound';

export interface App {
  config: Config;
  database: Database;
  settings: SettingsService;
  auth: AuthService;
  users: UsersService;
  tickets: TicketsService;
  assets: AssetsService;
  notifications: NotificationsService;
  mutations: MutationService;
  /** The embedded Shape API engine (unused when ELECTRIC_URL proxies to the real Electric). */
  sync: SyncEngine;
  hub: RealtimeHub;
  /** Email channel: configuration, webhook/SMTP intake and the ingest pipeline. */
  email: EmailService;
  emailIngest: EmailIngestService;
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
  const tickets = new TicketsService(database.db);
  const assets = new AssetsService(database.db);
  const notifications = new NotificationsService(database.db);
  const mutations = new MutationService(database.db, { tickets, assets, notifications });
  const hub = new RealtimeHub();
  const sync = getSyncEngine({
    db: database.db,
    engine: database.engine,
    databaseUrl: cfg.DATABASE_URL,
    pglite: database.pglite,
    log: (level, msg, data) => log[level](msg, data)
  });
  const ring = keyRing({ emailKey: cfg.OUTPOST_EMAIL_KEY, previousKeys: cfg.OUTPOST_EMAIL_KEY_PREVIOUS, appSecret: secret });
  const emailIngest = new EmailIngestService(database.db, tickets, {
    secret,
    loopToken: `outpost-${createHmac('sha256', secret).update('x-loop').digest('hex').slice(0, 12)}`,
    maxBytes: cfg.OUTPOST_EMAIL_MAX_BYTES
  });
  const email = new EmailService(database.db, ring, emailIngest);
  const a: App = { config: cfg, database, settings, auth, users, tickets, assets, notifications, mutations, sync, hub, email, emailIngest, startedAt: Date.now(), schemaVersion: migration.current };
  const stopEmail: (() => Promise<void>)[] = [];

  if (!cfg.OUTPOST_MIGRATE_ONLY) {
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
  registerRuntime(a, stopEmail);
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

function registerRuntime(a: App, stopEmail: (() => Promise<void>)[] = []) {
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
    onConnection(ws: WebSocket, actor: Actor, reauth: () => Promise<Actor | 'expired' | null>) {
      const shapes = new ShapeMuxSession<Actor>(ws, reauth, (who, url, signal) =>
        serveShape(a, who, url, signal).catch((err) => errorResponse(err))
      );
      a.hub.onConnection(ws, actor, [shapes]);
    },
    async shutdown() {
      await Promise.all(stopEmail.map((stop) => stop().catch(() => {})));
      a.hub.closeAll();
      await stopSyncEngine();
      await a.database.close();
    }
  };
}
