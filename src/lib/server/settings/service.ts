// Reads settings with a short per-process cache (other instances see a change within
// CACHE_MS); writes validate against the domain schemas and are audited.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { SETTING_SCHEMAS, type SettingKey, type Settings } from '$lib/domain/settings/schemas';
import { settingsRepo } from './repository';
import { AppError } from '$lib/domain/common/errors';
import { can } from '$lib/domain/auth/permissions';
import type { RequestContext } from '../context';
import { recordAudit } from '../audit/service';

const CACHE_MS = 2_000;

export class SettingsService {
  #cache: { at: number; values: Settings } | undefined;
  constructor(private readonly db: Kysely<DB>) {}

  async get<K extends SettingKey>(key: K): Promise<Settings[K]> {
    return (await this.all())[key];
  }

  async all(): Promise<Settings> {
    if (this.#cache && Date.now() - this.#cache.at < CACHE_MS) return this.#cache.values;
    const rows = await settingsRepo.all(this.db);
    const values = {} as Record<string, unknown>;
    for (const r of rows) {
      const schema = SETTING_SCHEMAS[r.key as SettingKey];
      if (!schema) continue;
      const parsed = schema.safeParse(r.value);
      if (parsed.success) values[r.key] = parsed.data;
    }
    this.#cache = { at: Date.now(), values: values as Settings };
    return this.#cache.values;
  }

  invalidate() {
    this.#cache = undefined;
  }

  async listForAdmin(ctx: RequestContext) {
    if (!can(ctx.actor, 'settings.manage')) throw new AppError('forbidden', 'You may not manage settings');
    const rows = await settingsRepo.all(this.db);
    return rows
      .filter((r) => r.key in SETTING_SCHEMAS)
      .map((r) => ({ key: r.key, value: r.is_secret ? null : r.value, description: r.description, isPublic: r.is_public }));
  }

  async update(ctx: RequestContext, patch: Partial<Settings>) {
    if (!can(ctx.actor, 'settings.manage')) throw new AppError('forbidden', 'You may not manage settings');
    const before = await this.all();
    await this.db.transaction().execute(async (trx) => {
      for (const [key, value] of Object.entries(patch)) {
        await settingsRepo.upsert(trx, key, value, ctx.actor.id);
        await recordAudit(trx, ctx, {
          action: 'settings.update',
          entityType: 'system_setting',
          entityId: key,
          before: { value: before[key as SettingKey] },
          after: { value }
        });
      }
    });
    this.invalidate();
    return this.listForAdmin(ctx);
  }
}
