// The assistant's configuration: model, base URL and limits in the `ai.config` setting; the API
// key in `ai.apiKey`, sealed with AES-256-GCM (the email credentials' key ring) and marked secret.
// The key is opened only here, kept in memory for the short cache, handed to the Groq client and
// never logged, audited, returned or put in a job.
import type { Kysely } from 'kysely';
import Groq from 'groq-sdk';
import type { DB } from '../db/schema';
import type { RequestContext } from '../context';
import { aiRepo, AI_CONFIG_KEY, AI_KEY_KEY } from './repository';
import { open, seal, type KeyRing } from '../email/secrets';
import { recordAudit } from '../audit/service';
import { log } from '../log';
import { AppError } from '$lib/domain/common/errors';
import { can } from '$lib/domain/auth/permissions';
import { AiConfig, DEFAULT_BASE_URL, DEFAULT_CONFIG, DEFAULT_LIMITS, type AiConfigPatch, type AiConfigView } from '$lib/domain/ai/schemas';

const CACHE_MS = 2_000;

export interface LoadedAiConfig {
  config: AiConfig;
  apiKey: string | null;
  keyUpdatedAt: Date | null;
  baseURL: string;
}

export function groqClient(apiKey: string, baseURL: string, timeoutMs = 60_000): Groq {
  // No SDK retries (429 is handled by the loop, within the turn's time) and no SDK logging
  // (its debug output carries request details).
  return new Groq({ apiKey, baseURL, maxRetries: 0, timeout: timeoutMs, logLevel: 'off' });
}

/** Removes the key from any text that might carry it (provider error messages). */
export function scrub(text: string, apiKey: string | null): string {
  let out = text;
  if (apiKey) out = out.split(apiKey).join('[redacted]');
  return out.replace(/gsk_[A-Za-z0-9]{8,}/g, 'gsk_[redacted]');
}

export class AiConfigService {
  #cache: { at: number; value: LoadedAiConfig } | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly ring: KeyRing,
    /** OUTPOST_GROQ_BASE_URL: the base URL when the setting names none. */
    private readonly envBaseUrl?: string
  ) {}

  invalidate() {
    this.#cache = undefined;
  }

  async load(): Promise<LoadedAiConfig> {
    if (this.#cache && Date.now() - this.#cache.at < CACHE_MS) return this.#cache.value;
    const rows = await aiRepo.settings(this.db);
    const cfgRow = rows.find((r) => r.key === AI_CONFIG_KEY);
    const keyRow = rows.find((r) => r.key === AI_KEY_KEY);
    let config = DEFAULT_CONFIG;
    if (cfgRow) {
      const stored = cfgRow.value as Partial<AiConfig> | null;
      const r = AiConfig.safeParse({ ...DEFAULT_CONFIG, ...stored, limits: { ...DEFAULT_LIMITS, ...(stored?.limits ?? {}) } });
      if (r.success) config = r.data;
      else log.warn('ai.config setting is invalid; using defaults', { issues: r.error.issues.map((i) => i.path.join('.')) });
    }
    let apiKey: string | null = null;
    if (keyRow && typeof keyRow.value === 'string') {
      try {
        apiKey = open(this.ring, keyRow.value);
      } catch (e) {
        log.warn('the stored AI API key cannot be opened (key ring changed?)', { error: e instanceof Error ? e.message : String(e) });
      }
    }
    const baseURL = config.baseUrl ?? this.envBaseUrl ?? DEFAULT_BASE_URL;
    const value = { config, apiKey, keyUpdatedAt: keyRow?.updated_at ?? null, baseURL };
    this.#cache = { at: Date.now(), value };
    return value;
  }

  async view(ctx: RequestContext): Promise<AiConfigView> {
    if (!can(ctx.actor, 'settings.manage')) throw new AppError('forbidden', 'You may not manage the AI assistant');
    const { config, apiKey, keyUpdatedAt, baseURL } = await this.load();
    return { ...config, effectiveBaseUrl: baseURL, hasKey: !!apiKey, keyUpdatedAt: keyUpdatedAt?.toISOString() ?? null };
  }

  async update(ctx: RequestContext, patch: AiConfigPatch): Promise<AiConfigView> {
    if (!can(ctx.actor, 'settings.manage')) throw new AppError('forbidden', 'You may not manage the AI assistant');
    const before = (await this.load()).config;
    const next: AiConfig = {
      enabled: patch.enabled ?? before.enabled,
      model: patch.model ?? before.model,
      baseUrl: patch.baseUrl === undefined ? before.baseUrl : patch.baseUrl,
      limits: { ...before.limits, ...(patch.limits ?? {}) }
    };
    const actorId = ctx.actor.via === 'system' ? null : ctx.actor.id;
    await this.db.transaction().execute(async (trx) => {
      await aiRepo.putSetting(trx, AI_CONFIG_KEY, next, false, actorId, 'AI assistant: model, base URL and limits');
      if (patch.apiKey === null) await aiRepo.deleteSetting(trx, AI_KEY_KEY);
      else if (patch.apiKey !== undefined) await aiRepo.putSetting(trx, AI_KEY_KEY, seal(this.ring, patch.apiKey), true, actorId, 'AI assistant: API key (encrypted)');
      // The audit says that the key changed, never what it is.
      await recordAudit(trx, ctx, {
        action: 'ai.config.update',
        entityType: 'system_setting',
        entityId: AI_CONFIG_KEY,
        before: { ...before },
        after: { ...next, ...(patch.apiKey !== undefined ? { apiKeyChanged: patch.apiKey === null ? 'removed' : 'replaced' } : {}) }
      });
    });
    this.invalidate();
    return this.view(ctx);
  }

  /** Lists the provider's models with the stored key: reports the provider's own error, never the key. */
  async testKey(ctx: RequestContext) {
    if (!can(ctx.actor, 'settings.manage')) throw new AppError('forbidden', 'You may not manage the AI assistant');
    const { config, apiKey, baseURL } = await this.load();
    if (!apiKey) return { ok: false, ms: 0, model: config.model, modelAvailable: null, message: 'No API key is stored' };
    const t0 = performance.now();
    try {
      const models = await groqClient(apiKey, baseURL, 15_000).models.list();
      const ids = (models.data ?? []).map((m) => m.id);
      const available = ids.includes(config.model);
      return {
        ok: true,
        ms: Math.round(performance.now() - t0),
        model: config.model,
        modelAvailable: available,
        message: available ? `The key works; ${config.model} is available` : `The key works, but ${config.model} is not among the ${ids.length} models it may use`
      };
    } catch (e) {
      return { ok: false, ms: Math.round(performance.now() - t0), model: config.model, modelAvailable: null, message: scrub(describeProviderError(e), apiKey) };
    }
  }
}

/** A provider error in words an admin or user can act on. */
export function describeProviderError(e: unknown): string {
  if (e instanceof Groq.APIError) {
    const status = e.status;
    const body = e.error as { error?: { message?: string }; message?: string } | undefined;
    const detail = body?.error?.message ?? body?.message ?? e.message;
    if (status === 401) return `The AI service rejected the API key (401: ${detail})`;
    if (status === 429) return `The AI service is rate limiting requests (429: ${detail})`;
    if (status === undefined) return e instanceof Groq.APIConnectionError ? `Cannot reach the AI service (${e.message})` : `The AI service stopped with an error: ${detail}`;
    return `The AI service answered ${status}: ${detail}`;
  }
  return e instanceof Error ? e.message : String(e);
}
