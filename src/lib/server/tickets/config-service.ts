// Admin configuration of tickets: types, categories, custom field definitions and canned
// responses. Writes need `settings.manage` and are audited; reads are open to staff (portal users
// see the portal-visible types, categories and fields).
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { DB } from '../db/schema';
import type { RequestContext } from '../context';
import { lc } from './lifecycle-repository';
import { recordAudit } from '../audit/service';
import { AppError } from '$lib/domain/common/errors';
import { can } from '$lib/domain/auth/permissions';
import type { CannedResponseBody, CannedResponsePatch, CategoryBody, CategoryPatch, CustomFieldBody, CustomFieldPatch, TicketTypeBody, TicketTypePatch } from '$lib/domain/tickets/api';

type Kind = 'types' | 'categories' | 'fields' | 'canned';
const TABLE = { types: 'ticket_types', categories: 'ticket_categories', fields: 'custom_field_definitions', canned: 'canned_responses' } as const;
const COLUMNS = {
  types: ['id', 'key', 'name', 'description', 'color', 'default_priority', 'portal_visible', 'position', 'active'],
  categories: ['id', 'name', 'parent_id', 'description', 'default_team_id', 'portal_visible', 'position', 'active'],
  fields: ['id', 'key', 'label', 'description', 'type', 'options', 'required_for_type_ids', 'type_ids', 'portal_visible', 'position', 'active'],
  canned: ['id', 'title', 'body', 'internal', 'actions', 'position', 'active']
} as const;
const ENTITY = { types: 'ticket_type', categories: 'ticket_category', fields: 'custom_field', canned: 'canned_response' } as const;
const JSON_COLUMNS = new Set(['options', 'actions']);

type Row = Record<string, unknown> & { id: string };
export type ConfigBodies = {
  types: [z.output<typeof TicketTypeBody>, z.output<typeof TicketTypePatch>];
  categories: [z.output<typeof CategoryBody>, z.output<typeof CategoryPatch>];
  fields: [z.output<typeof CustomFieldBody>, z.output<typeof CustomFieldPatch>];
  canned: [z.output<typeof CannedResponseBody>, z.output<typeof CannedResponsePatch>];
};

const encode = (v: Record<string, unknown>) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, JSON_COLUMNS.has(k) ? JSON.stringify(x) : x]));

/** A unique-name clash or a dangling reference, as a 409/400 naming the field. */
function dbError(e: unknown, kind: Kind): never {
  const pe = e as { code?: string; constraint?: string; column?: string };
  if (pe?.code === '23505') {
    const field = kind === 'canned' ? 'title' : kind === 'categories' ? 'name' : 'key';
    throw new AppError('conflict', `${field}: is already used`, { fields: [{ field, message: 'is already used' }] });
  }
  if (pe?.code === '23503') {
    const field = pe.constraint?.includes('parent') ? 'parent_id' : pe.constraint?.includes('team') ? 'default_team_id' : 'id';
    throw new AppError('validation', `${field}: refers to something that does not exist`, { fields: [{ field, message: 'refers to something that does not exist' }] });
  }
  throw e;
}

export class TicketConfigService {
  constructor(private readonly db: Kysely<DB>) {}

  #manage(ctx: RequestContext) {
    if (!can(ctx.actor, 'settings.manage')) throw new AppError('forbidden', 'You need the settings.manage permission');
  }

  async list(ctx: RequestContext, kind: Kind): Promise<{ items: Row[] }> {
    const staff = can(ctx.actor, 'tickets.read.all');
    if (kind === 'canned' && !can(ctx.actor, 'tickets.update')) throw new AppError('forbidden', 'You may not use canned responses');
    let q = lc(this.db)
      .selectFrom(TABLE[kind] as 'canned_responses')
      .select(COLUMNS[kind] as unknown as 'id'[])
      .where('deleted_at', 'is', null);
    if (kind === 'fields') q = q.where('entity' as never, '=', 'ticket' as never);
    if (!staff && kind !== 'canned') q = q.where('portal_visible' as never, '=', true as never).where('active' as never, '=', true as never);
    const rows = (await q.orderBy('position' as never).orderBy('id').execute()) as Row[];
    return { items: rows };
  }

  async create<K extends Kind>(ctx: RequestContext, kind: K, body: ConfigBodies[K][0]) {
    this.#manage(ctx);
    const values = { ...encode(body as Record<string, unknown>), ...(kind === 'fields' ? { entity: 'ticket' } : {}), created_by: ctx.actor.id, updated_by: ctx.actor.id };
    try {
      return await this.db.transaction().execute(async (trx) => {
        const row = (await lc(trx)
          .insertInto(TABLE[kind] as 'canned_responses')
          .values(values as never)
          .returning(COLUMNS[kind] as unknown as 'id'[])
          .executeTakeFirstOrThrow()) as Row;
        await recordAudit(trx, ctx, { action: `${ENTITY[kind]}.create`, entityType: ENTITY[kind], entityId: row.id, after: row });
        return row;
      });
    } catch (e) {
      dbError(e, kind);
    }
  }

  async update<K extends Kind>(ctx: RequestContext, kind: K, id: string, patch: ConfigBodies[K][1]) {
    this.#manage(ctx);
    try {
      return await this.db.transaction().execute(async (trx) => {
        const before = (await lc(trx)
          .selectFrom(TABLE[kind] as 'canned_responses')
          .select(COLUMNS[kind] as unknown as 'id'[])
          .where('id', '=', id)
          .where('deleted_at', 'is', null)
          .forUpdate()
          .executeTakeFirst()) as Row | undefined;
        if (!before) throw new AppError('not_found', 'id: not found', { fields: [{ field: 'id', message: 'not found' }] });
        if (kind === 'categories' && (patch as { parent_id?: string | null }).parent_id === id) throw new AppError('validation', 'parent_id: a category cannot be its own parent', { fields: [{ field: 'parent_id', message: 'cannot be the category itself' }] });
        if (kind === 'fields' && (patch as { options?: unknown }).options !== undefined) {
          const opts = (patch as { options: unknown }).options;
          if (before.type === 'select' && (!Array.isArray(opts) || !opts.length)) throw new AppError('validation', 'options: a select field needs at least one option', { fields: [{ field: 'options', message: 'a select field needs at least one option' }] });
        }
        const after = (await lc(trx)
          .updateTable(TABLE[kind] as 'canned_responses')
          .set({ ...encode(patch as Record<string, unknown>), updated_by: ctx.actor.id } as never)
          .where('id', '=', id)
          .returning(COLUMNS[kind] as unknown as 'id'[])
          .executeTakeFirstOrThrow()) as Row;
        await recordAudit(trx, ctx, { action: `${ENTITY[kind]}.update`, entityType: ENTITY[kind], entityId: id, before, after });
        return after;
      });
    } catch (e) {
      dbError(e, kind);
    }
  }

  /** Soft delete: tickets keep their references; the entry disappears from lists and pickers. */
  async remove(ctx: RequestContext, kind: Kind, id: string) {
    this.#manage(ctx);
    await this.db.transaction().execute(async (trx) => {
      const r = await lc(trx)
        .updateTable(TABLE[kind] as 'canned_responses')
        .set({ deleted_at: new Date(), active: false, updated_by: ctx.actor.id } as never)
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (!r) throw new AppError('not_found', 'id: not found', { fields: [{ field: 'id', message: 'not found' }] });
      await recordAudit(trx, ctx, { action: `${ENTITY[kind]}.delete`, entityType: ENTITY[kind], entityId: id });
    });
  }
}

export type ConfigKind = Kind;
