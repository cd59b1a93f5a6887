import { describe, it, expect } from 'vitest';
import { and, compilePredicate, compileSql, eq, gte, inList, isNull, ne, or, parsePgTime, filterKey, reviveFilter, type ColumnTypes } from './filter';
import { closedTicketCutoff, resolveShape, shapeIdentity, type ShapeActor } from './shapes';
import { DEFAULT_GRANTS } from '../../src/lib/domain/auth/permissions';

const actor = (role: keyof typeof DEFAULT_GRANTS, id = '0190f0a0-0000-7000-8000-000000000001'): ShapeActor => ({ id, permissions: new Set(DEFAULT_GRANTS[role]) });
const ctx = { closedTicketDays: 30, now: new Date('2026-03-18T12:00:00Z') };

describe('filter expressions', () => {
  const types: ColumnTypes = { id: { type: 'uuid' }, status: { type: 'text' }, internal: { type: 'bool' }, closed_at: { type: 'timestamptz' }, n: { type: 'int4' }, tags: { type: 'text', dims: 1 } };
  const f = and(isNull('deleted_at'), or(ne('status', 'closed'), gte('closed_at', new Date('2026-02-01T00:00:00Z'))), inList('n', [1, 2]), eq('internal', false));

  it('compiles to parameterised SQL (Electric-compatible)', () => {
    expect(compileSql(f)).toEqual({
      sql: '"deleted_at" IS NULL AND ("status" <> $1 OR "closed_at" >= $2) AND "n" IN ($3, $4) AND "internal" = $5',
      params: ['closed', '2026-02-01T00:00:00.000Z', '1', '2', 'false']
    });
    expect(compileSql(null)).toEqual({ sql: 'true', params: [] });
    expect(() => compileSql(eq('x; drop table users', 1))).toThrow(/identifier/);
  });

  it('evaluates like SQL on Postgres text values, NULL never matching a comparison', () => {
    const p = compilePredicate(f, { ...types, deleted_at: { type: 'timestamptz' } });
    const row = { deleted_at: null, status: 'open', closed_at: null, n: '2', internal: 'false' };
    expect(p(row)).toBe(true);
    expect(p({ ...row, internal: 't' })).toBe(false);
    expect(p({ ...row, n: '3' })).toBe(false);
    expect(p({ ...row, status: 'closed', closed_at: '2026-02-03 10:00:00.5+00' })).toBe(true);
    expect(p({ ...row, status: 'closed', closed_at: '2026-01-03 10:00:00+00' })).toBe(false);
    expect(p({ ...row, status: 'closed' })).toBe(false);
    expect(p({ ...row, deleted_at: '2026-01-03 10:00:00+00' })).toBe(false);
    expect(p({ ...row, status: null })).toBe(false);
    expect(() => compilePredicate(eq('nope', 1), types)).toThrow(/not in the table/);
  });

  it('parses Postgres timestamps with offsets', () => {
    expect(parsePgTime('2026-02-03 10:00:00+00')).toBe(Date.UTC(2026, 1, 3, 10));
    expect(parsePgTime('2026-02-03 10:00:00.25+02:30')).toBe(Date.UTC(2026, 1, 3, 7, 30, 0, 250));
    expect(parsePgTime('2026-02-03')).toBe(Date.UTC(2026, 1, 3));
    expect(parsePgTime('infinity')).toBe(Infinity);
  });

  it('round-trips through JSON with dates intact', () => {
    expect(reviveFilter(JSON.parse(filterKey(f)))).toEqual(f);
  });
});

describe('shape registry', () => {
  it('portal users get their own tickets and only public comments on them', () => {
    for (const role of ['end_user', 'requester'] as const) {
      const a = actor(role);
      const t = resolveShape('tickets', a, ctx);
      expect(t.ok && compileSql(t.shape.where)).toEqual({ sql: '"requester_id" = $1 AND "deleted_at" IS NULL', params: [a.id] });
      const c = resolveShape('ticket_comments', a, ctx);
      expect(c.ok && compileSql(c.shape.where)).toEqual({ sql: '"requester_id" = $1 AND "internal" = $2 AND "deleted_at" IS NULL', params: [a.id, 'false'] });
      for (const s of ['assets', 'change_requests', 'sla_policies']) expect(resolveShape(s, a, ctx)).toEqual({ ok: false, reason: 'forbidden' });
    }
  });

  it('staff get open tickets plus those closed since the (weekly) cutoff, and internal notes', () => {
    const t = resolveShape('tickets', actor('agent'), ctx);
    const cutoff = closedTicketCutoff(ctx);
    expect(cutoff.getTime()).toBeLessThanOrEqual(ctx.now.getTime() - 30 * 86_400_000);
    expect(cutoff.getTime()).toBeGreaterThan(ctx.now.getTime() - 37 * 86_400_000);
    expect(cutoff.getUTCDay()).toBe(1);
    expect(t.ok && compileSql(t.shape.where)).toEqual({ sql: '"deleted_at" IS NULL AND ("status" <> $1 OR "closed_at" >= $2)', params: ['closed', cutoff.toISOString()] });
    // Same definition all week long: the handle survives.
    const later = resolveShape('tickets', actor('agent'), { ...ctx, now: new Date(ctx.now.getTime() + 86_400_000) });
    expect(t.ok && later.ok && shapeIdentity(t.shape) === shapeIdentity(later.shape)).toBe(true);
    const c = resolveShape('ticket_comments', actor('agent'), ctx);
    expect(c.ok && compileSql(c.shape.where).sql).toBe('"deleted_at" IS NULL');
  });

  it('never selects credentials; secrets and private settings stay out; notifications are per user', () => {
    const u = resolveShape('users', actor('agent'), ctx);
    expect(u.ok && u.shape.columns).not.toContain('password_hash');
    const self = resolveShape('users', actor('end_user'), ctx);
    expect(self.ok && compileSql(self.shape.where).sql).toBe('"id" = $1 AND "deleted_at" IS NULL');
    const s = resolveShape('settings', actor('requester'), ctx);
    expect(s.ok && compileSql(s.shape.where)).toEqual({ sql: '"is_public" = $1 AND "is_secret" = $2', params: ['true', 'false'] });
    const n = resolveShape('notifications', actor('admin', 'u-1'), ctx);
    expect(n.ok && compileSql(n.shape.where)).toEqual({ sql: '"user_id" = $1', params: ['u-1'] });
    expect(resolveShape('kb_articles', actor('requester'), ctx)).toEqual({ ok: false, reason: 'forbidden' });
    const kb = resolveShape('kb_articles', actor('end_user'), ctx);
    expect(kb.ok && compileSql(kb.shape.where).params).toEqual(['published', 'public']);
    expect(resolveShape('refresh_tokens', actor('admin'), ctx)).toEqual({ ok: false, reason: 'unknown' });
    expect(resolveShape('__proto__', actor('admin'), ctx)).toEqual({ ok: false, reason: 'unknown' });
  });
});
