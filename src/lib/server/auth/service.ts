// Local identity: password login with rate limits and lockout, rotating refresh tokens with reuse
// detection, access-token and API-key authentication, password reset by one-time link.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { authRepo, type PrincipalRow } from './repository';
import { TokenKit } from './tokens';
import { hashPassword, verifyPassword, dummyHash } from './password';
import { isCommonPassword } from './common-passwords';
import { SlidingWindowLimiter, LockoutTracker } from './rate-limit';
import type { SettingsService } from '../settings/service';
import { AppError } from '$lib/domain/common/errors';
import { checkPassword, PASSWORD_MESSAGES } from '$lib/domain/auth/password-policy';
import { can, type Actor, type RoleKey } from '$lib/domain/auth/permissions';
import type { RequestContext } from '../context';
import { recordAudit } from '../audit/service';
import { log } from '../log';

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
  requestId?: string | null;
}

export interface Session {
  actor: Actor;
  profile: PrincipalRow;
  accessToken: string;
  accessExpiresAt: Date;
  refreshToken: string;
  refreshExpiresAt: Date;
}

const PRINCIPAL_CACHE_MS = 2_000;

export function toActor(p: PrincipalRow, via: Actor['via']): Actor {
  return { id: p.id, email: p.email, name: p.name, roles: p.roles as RoleKey[], permissions: new Set(p.permissions), via };
}

export function passwordProblem(password: string, email?: string): string | null {
  const problem = checkPassword(password, { isCommon: isCommonPassword, email });
  return problem ? PASSWORD_MESSAGES[problem] : null;
}

export function assertPasswordAcceptable(password: string, email?: string, field = 'password') {
  const message = passwordProblem(password, email);
  if (message) throw new AppError('validation', `${field}: ${message}`, { fields: [{ field, message }] });
}

export class AuthService {
  readonly ipLimiter = new SlidingWindowLimiter();
  readonly accountLimiter = new SlidingWindowLimiter();
  readonly lockout = new LockoutTracker();
  /** Email issue: sends the self-service reset link (set by the app; none → no mail). */
  mailer: { passwordReset(trx: Kysely<DB>, m: { to: string; name: string | null; userId: string; url: string; expiresAt: Date }): Promise<string | null> } | null = null;
  // Short per-process caches of who a token belongs to. They hold the promise, so a burst of
  // requests after expiry makes one query, not one each.
  readonly #principals = new Map<string, { at: number; row: Promise<PrincipalRow | undefined> }>();

  constructor(
    private readonly db: Kysely<DB>,
    readonly tokens: TokenKit,
    private readonly settings: SettingsService
  ) {}

  async login(email: string, password: string, client: ClientInfo): Promise<Session> {
    const key = email.toLowerCase();
    const limits = await this.settings.get('auth.loginRateLimit');
    const lock = await this.settings.get('auth.lockout');

    const ipWait = this.ipLimiter.hit(`ip:${client.ip ?? 'unknown'}`, limits.perIpPerMinute);
    if (ipWait) throw new AppError('rate_limited', `Too many sign-in attempts from this address; try again in ${ipWait} s`, { retryAfterSeconds: ipWait });
    const accountWait = this.accountLimiter.hit(`acct:${key}`, limits.perAccountPerMinute);
    if (accountWait) throw new AppError('rate_limited', `Too many sign-in attempts for this account; try again in ${accountWait} s`, { retryAfterSeconds: accountWait });
    const lockedFor = this.lockout.lockedFor(key);
    if (lockedFor) throw new AppError('locked', `This account is locked after repeated failed sign-ins; try again in ${lockedFor} s`, { retryAfterSeconds: lockedFor });

    const principal = await authRepo.principalByEmail(this.db, key);
    const ok = principal?.password_hash ? await verifyPassword(principal.password_hash, password) : (await verifyPassword(await dummyHash(), password), false);
    if (!ok || !principal || principal.status !== 'active') {
      const lockedNow = this.lockout.fail(key, lock.threshold, lock.seconds);
      if (principal) {
        await recordAudit(this.db, { actor: toActor(principal, 'cookie'), source: 'web', ...client }, {
          action: lockedNow ? 'auth.locked' : 'auth.login_failed',
          entityType: 'user',
          entityId: principal.id
        });
      }
      if (lockedNow) throw new AppError('locked', `This account is locked after repeated failed sign-ins; try again in ${lockedNow} s`, { retryAfterSeconds: lockedNow });
      // Same answer for unknown email, wrong password and inactive account.
      throw new AppError('unauthenticated', 'Email or password is incorrect');
    }
    this.lockout.succeed(key);
    const session = await this.#startSession(principal, client);
    await authRepo.touchLogin(this.db, principal.id);
    await recordAudit(this.db, { actor: session.actor, source: 'web', ...client }, { action: 'auth.login', entityType: 'user', entityId: principal.id });
    return session;
  }

  async #startSession(principal: PrincipalRow, client: ClientInfo, familyId: string = crypto.randomUUID()) {
    const days = await this.settings.get('auth.refreshTokenDays');
    const refreshToken = TokenKit.randomSecret();
    const refreshExpiresAt = new Date(Date.now() + days * 86_400_000);
    const row = await authRepo.insertRefresh(this.db, {
      user_id: principal.id,
      family_id: familyId,
      token_hash: this.tokens.hash(refreshToken),
      expires_at: refreshExpiresAt,
      ip: client.ip,
      user_agent: client.userAgent?.slice(0, 400) ?? null
    });
    const access = await this.tokens.signAccess({ sub: principal.id, sid: familyId });
    return {
      actor: toActor(principal, 'cookie'),
      profile: principal,
      accessToken: access.token,
      accessExpiresAt: access.expiresAt,
      refreshToken,
      refreshExpiresAt,
      refreshId: row.id
    };
  }

  /** Rotates a refresh token. A token presented twice revokes every token of its family. */
  async refresh(refreshToken: string, client: ClientInfo): Promise<Session> {
    const row = await authRepo.refreshByHash(this.db, this.tokens.hash(refreshToken));
    if (!row) throw new AppError('unauthenticated', 'Session not found; sign in again');
    if (row.revoked_at) throw new AppError('unauthenticated', 'Session was ended; sign in again');
    const claimed = row.used_at ? false : await authRepo.claimRefresh(this.db, row.id);
    if (!claimed) {
      const revoked = await authRepo.revokeFamily(this.db, row.family_id, 'reuse');
      this.#principals.delete(row.user_id);
      this.#familyCache.delete(row.family_id);
      log.warn('refresh token reuse: family revoked', { userId: row.user_id, familyId: row.family_id, revoked });
      const principal = await authRepo.principalById(this.db, row.user_id);
      if (principal) {
        await recordAudit(this.db, { actor: toActor(principal, 'cookie'), source: 'web', ...client }, {
          action: 'auth.refresh_reuse',
          entityType: 'user',
          entityId: row.user_id,
          after: { familyRevoked: row.family_id, tokensRevoked: revoked }
        });
      }
      throw new AppError('unauthenticated', 'This session was used from somewhere else and has been ended; sign in again');
    }
    if (row.expires_at.getTime() <= Date.now()) throw new AppError('unauthenticated', 'Session expired; sign in again');
    const principal = await authRepo.principalById(this.db, row.user_id);
    if (!principal || principal.status !== 'active') {
      await authRepo.revokeFamily(this.db, row.family_id, 'inactive');
      throw new AppError('unauthenticated', 'Account is not active');
    }
    const session = await this.#startSession(principal, client, row.family_id);
    await authRepo.linkReplacement(this.db, row.id, session.refreshId);
    return session;
  }

  /** Ends the session the refresh token (or, failing that, the access token) belongs to. */
  async logout(refreshToken: string | undefined, accessToken: string | undefined) {
    let familyId: string | undefined;
    if (refreshToken) {
      const row = await authRepo.refreshByHash(this.db, this.tokens.hash(refreshToken));
      if (row) familyId = row.family_id;
    }
    if (!familyId && accessToken) {
      const claims = await this.tokens.verifyAccess(accessToken);
      if (claims && claims !== 'expired') familyId = claims.sid;
    }
    if (familyId) {
      await authRepo.revokeFamily(this.db, familyId, 'logout');
      this.#familyCache.delete(familyId);
    }
  }

  readonly #familyCache = new Map<string, { at: number; active: Promise<boolean> }>();

  /** Resolves an access token to an actor. Ended sessions (logout, reuse) stop working at once. */
  async authenticateAccess(token: string, via: 'cookie' | 'bearer'): Promise<Actor | 'expired' | null> {
    const claims = await this.tokens.verifyAccess(token);
    if (claims === 'expired' || claims === null) return claims;
    let family = this.#familyCache.get(claims.sid);
    if (!family || Date.now() - family.at >= PRINCIPAL_CACHE_MS) {
      if (this.#familyCache.size > 20_000) this.#familyCache.clear();
      family = { at: Date.now(), active: authRepo.familyActive(this.db, claims.sid) };
      this.#familyCache.set(claims.sid, family);
      family.active.catch(() => this.#familyCache.delete(claims.sid));
    }
    if (!(await family.active)) return null;
    const principal = await this.principal(claims.sub);
    if (!principal || principal.status !== 'active') return null;
    return this.#actorOf(principal, via);
  }

  /**
   * One frozen actor per cached principal row and channel: a socket's live shape requests
   * re-authenticate every time, and the sync engine keys what it resolved for an actor by the
   * object (a new one per request resolved the shape again each time).
   */
  readonly #actors = new WeakMap<PrincipalRow, Partial<Record<Actor['via'], Actor>>>();
  #actorOf(p: PrincipalRow, via: Actor['via']): Actor {
    let byVia = this.#actors.get(p);
    if (!byVia) this.#actors.set(p, (byVia = {}));
    return (byVia[via] ??= Object.freeze(toActor(p, via)));
  }

  principal(id: string): Promise<PrincipalRow | undefined> {
    const hit = this.#principals.get(id);
    if (hit && Date.now() - hit.at < PRINCIPAL_CACHE_MS) return hit.row;
    if (this.#principals.size > 20_000) this.#principals.clear();
    const row = authRepo.principalById(this.db, id);
    this.#principals.set(id, { at: Date.now(), row });
    row.catch(() => this.#principals.delete(id));
    return row;
  }

  forget(userId: string) {
    this.#principals.delete(userId);
    this.#familyCache.clear();
  }

  // --- API keys: `op_<prefix>_<secret>`; only the HMAC of the secret is stored.

  async authenticateApiKey(raw: string): Promise<Actor | null> {
    const m = /^op_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/.exec(raw);
    if (!m) return null;
    const row = await authRepo.apiKeyByPrefix(this.db, m[1]);
    if (!row || row.revoked_at || (row.expires_at && row.expires_at.getTime() <= Date.now())) return null;
    if (!this.tokens.matches(m[2], row.key_hash)) return null;
    const principal = await this.principal(row.user_id);
    if (!principal || principal.status !== 'active') return null;
    void authRepo.touchApiKey(this.db, row.id).catch(() => {});
    return toActor(principal, 'api_key');
  }

  async createApiKey(ctx: RequestContext, name: string, expiresInDays?: number) {
    const prefix = TokenKit.randomSecret(9).replace(/[-_]/g, 'x').slice(0, 12);
    const secret = TokenKit.randomSecret();
    const row = await authRepo.insertApiKey(this.db, {
      user_id: ctx.actor.id,
      name,
      prefix,
      key_hash: this.tokens.hash(secret),
      expires_at: expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null
    });
    await recordAudit(this.db, ctx, { action: 'api_key.create', entityType: 'api_key', entityId: row.id, after: { name, prefix } });
    return { id: row.id, name: row.name, prefix: row.prefix, createdAt: row.created_at.toISOString(), expiresAt: row.expires_at?.toISOString() ?? null, key: `op_${prefix}_${secret}` };
  }

  async listApiKeys(ctx: RequestContext) {
    const rows = await authRepo.apiKeysForUser(this.db, ctx.actor.id);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      prefix: r.prefix,
      createdAt: r.created_at.toISOString(),
      expiresAt: r.expires_at?.toISOString() ?? null,
      lastUsedAt: r.last_used_at?.toISOString() ?? null,
      revokedAt: r.revoked_at?.toISOString() ?? null
    }));
  }

  async revokeApiKey(ctx: RequestContext, id: string) {
    const r = await authRepo.revokeApiKey(this.db, ctx.actor.id, id);
    if (Number(r.numUpdatedRows) !== 1) throw new AppError('not_found', 'No such active API key');
    await recordAudit(this.db, ctx, { action: 'api_key.revoke', entityType: 'api_key', entityId: id });
  }

  // --- Password reset

  /**
   * Creates a one-time reset token; returns the secret to embed in a link (shown once).
   * Takes the TTL instead of reading settings: it runs inside callers' transactions, and on the
   * embedded database (one connection) a read outside the transaction would wait for it forever.
   */
  async createResetToken(db: Kysely<DB>, userId: string, actorId: string | null, ttlMinutes: number): Promise<{ token: string; expiresAt: Date }> {
    const token = TokenKit.randomSecret();
    const expiresAt = new Date(Date.now() + ttlMinutes * 60_000);
    await authRepo.insertReset(db, { user_id: userId, token_hash: this.tokens.hash(token), expires_at: expiresAt, created_by: actorId });
    return { token, expiresAt };
  }

  resetTtlMinutes() {
    return this.settings.get('auth.passwordReset').then((s) => s.ttlMinutes);
  }

  async issueResetLink(ctx: RequestContext, userId: string, origin: string) {
    if (!can(ctx.actor, 'users.manage')) throw new AppError('forbidden', 'You may not reset other people’s passwords');
    const user = await authRepo.principalById(this.db, userId);
    if (!user) throw new AppError('not_found', 'No such user');
    const ttl = await this.resetTtlMinutes();
    return this.db.transaction().execute(async (trx) => {
      const { token, expiresAt } = await this.createResetToken(trx, userId, ctx.actor.id, ttl);
      await recordAudit(trx, ctx, { action: 'user.reset_link', entityType: 'user', entityId: userId, after: { expiresAt: expiresAt.toISOString() } });
      return { url: `${origin}/reset-password?token=${token}`, expiresAt: expiresAt.toISOString() };
    });
  }

  /** Self-service "forgot password": always answers the same; the link goes out by email (email issue). */
  async requestReset(email: string, client: ClientInfo): Promise<void> {
    const { enabled } = await this.settings.get('auth.passwordReset');
    if (!enabled) throw new AppError('forbidden', 'Password reset is turned off; ask an administrator');
    const wait = this.accountLimiter.hit(`reset:${email.toLowerCase()}`, 3);
    if (wait) return;
    const principal = await authRepo.principalByEmail(this.db, email);
    if (!principal || principal.status === 'inactive') return;
    const ttl = await this.resetTtlMinutes();
    // Token, audit entry and the queued email commit together (email issue: the link is mailed).
    await this.db.transaction().execute(async (trx) => {
      const { token, expiresAt } = await this.createResetToken(trx, principal.id, null, ttl);
      await recordAudit(trx, { actor: toActor(principal, 'cookie'), source: 'web', ...client }, { action: 'auth.reset_requested', entityType: 'user', entityId: principal.id });
      await this.mailer?.passwordReset(trx, { to: principal.email, name: principal.name, userId: principal.id, url: `/reset-password?token=${token}`, expiresAt });
    });
  }

  async resetPassword(token: string, password: string, client: ClientInfo): Promise<void> {
    const row = await authRepo.resetByHash(this.db, this.tokens.hash(token));
    if (!row || row.used_at || row.expires_at.getTime() <= Date.now()) {
      throw new AppError('validation', 'token: this reset link is invalid, used or expired; ask for a new one', {
        fields: [{ field: 'token', message: 'this reset link is invalid, used or expired; ask for a new one' }]
      });
    }
    const principal = await authRepo.principalById(this.db, row.user_id);
    if (!principal || principal.status === 'inactive') throw new AppError('forbidden', 'This account is deactivated');
    assertPasswordAcceptable(password, principal.email);
    const hash = await hashPassword(password);
    await this.db.transaction().execute(async (trx) => {
      if (!(await authRepo.claimReset(trx, row.id))) {
        throw new AppError('validation', 'token: this reset link was already used', { fields: [{ field: 'token', message: 'this reset link was already used' }] });
      }
      await authRepo.setPassword(trx, principal.id, hash, principal.id);
      await authRepo.activateInvited(trx, principal.id);
      await authRepo.revokeAllForUser(trx, principal.id, 'password_reset');
      await recordAudit(trx, { actor: toActor(principal, 'cookie'), source: 'web', ...client }, { action: 'auth.password_reset', entityType: 'user', entityId: principal.id });
    });
    this.lockout.succeed(principal.email.toLowerCase());
    this.forget(principal.id);
  }
}
