import { describe, it, expect } from 'vitest';
import { electricUpstreamUrl, proxyToElectric } from './proxy';
import { resolveShape } from '../protocol/shapes';

const me = { id: '0190f0a0-0000-7000-8000-000000000009', permissions: new Set(['tickets.read.own']) };
const shape = (() => {
  const r = resolveShape('ticket_comments', me, { closedTicketDays: 30 });
  if (!r.ok) throw new Error('no shape');
  return r.shape;
})();

describe('Electric proxy', () => {
  it('forwards only protocol parameters and sets the definition from the registry', () => {
    const client = new URL(
      'http://app/api/sync/shape?shape=ticket_comments&offset=12_3&handle=h1&live=true&cursor=99&log=full&cache-buster=x&expired_handle=h0' +
        '&table=users&where=true&params%5B1%5D=evil&columns=%22password_hash%22&secret=guess&replica=full'
    );
    const up = electricUpstreamUrl(shape, client, 'http://electric:3000', 's3cret');
    expect(up.pathname).toBe('/v1/shape');
    const q = Object.fromEntries(up.searchParams);
    expect(q).toMatchObject({ offset: '12_3', handle: 'h1', live: 'true', cursor: '99', log: 'full', 'cache-buster': 'x', expired_handle: 'h0' });
    expect(q.table).toBe('ticket_comments');
    expect(q.where).toBe('"requester_id" = $1 AND "internal" = $2 AND "deleted_at" IS NULL');
    expect(q['params[1]']).toBe(me.id);
    expect(q['params[2]']).toBe('false');
    expect(q.columns).toContain('"body"');
    expect(q.columns).not.toContain('password_hash');
    expect(q.secret).toBe('s3cret');
    expect(q.replica).toBe('default');
  });

  it('re-streams the body with electric headers, without content-encoding/length, never cacheable', async () => {
    let called: URL | undefined;
    const fake = (async (u: URL) => {
      called = u;
      return new Response('[{"headers":{"control":"up-to-date"}}]', {
        status: 200,
        headers: { 'electric-handle': 'h2', 'electric-offset': '5_1', 'electric-schema': '{}', 'content-encoding': 'gzip', 'content-length': '999', 'cache-control': 'public, max-age=604800' }
      });
    }) as unknown as typeof fetch;
    const r = await proxyToElectric(shape, new URL('http://app/api/sync/shape?shape=ticket_comments&offset=-1'), { electricUrl: 'http://electric:3000/v1/shape', fetch: fake });
    expect(called?.searchParams.get('table')).toBe('ticket_comments');
    expect(r.status).toBe(200);
    expect(r.headers.get('electric-handle')).toBe('h2');
    expect(r.headers.get('content-encoding')).toBeNull();
    expect(r.headers.get('content-length')).toBeNull();
    expect(r.headers.get('cache-control')).toBe('private, no-store');
    expect(r.headers.get('access-control-expose-headers')).toContain('electric-offset');
    expect(await r.json()).toEqual([{ headers: { control: 'up-to-date' } }]);
  });

  it('answers 503 with retry-after when Electric is unreachable', async () => {
    const down = (async () => {
      throw new Error('ECONNREFUSED');
    }) as unknown as typeof fetch;
    const r = await proxyToElectric(shape, new URL('http://app/x?offset=-1'), { electricUrl: 'http://electric:3000', fetch: down });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('5');
  });
});
