// Presence between two buses (two app instances) over a real embedded database's NOTIFY, and
// expiry of entries that are not refreshed.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openDatabase, type Database } from '../db/connection';
import { PresenceBus, PRESENCE_CHANNEL } from './presence';

const T = '01900000-0000-7000-8000-000000000001';
const until = async (ok: () => boolean, what: string) => {
  const end = Date.now() + 5_000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('PresenceBus', () => {
  let d: Database;
  beforeAll(async () => {
    d = await openDatabase({ pgliteDir: 'memory://' });
  }, 60_000);
  afterAll(async () => {
    await d?.close();
  });

  it('shares entries between instances, removes them on clear and expires them without refresh', async () => {
    const changes: string[][] = [[], []];
    const a = new PresenceBus({ db: d.db, onChange: (t) => changes[0].push(t) });
    const b = new PresenceBus({ db: d.db, onChange: (t) => changes[1].push(t) });
    await d.pglite!.listen(PRESENCE_CHANNEL, (p) => a.receive(p));
    await d.pglite!.listen(PRESENCE_CHANNEL, (p) => b.receive(p));
    a.set(T, 'a:1', { id: 'u1', name: 'Alice' }, 'typing');
    b.set(T, 'b:1', { id: 'u2', name: 'Bob' }, 'viewing');
    await until(() => a.list(T).length === 2 && b.list(T).length === 2, 'both see both');
    expect(b.list(T)).toEqual([
      { userId: 'u1', name: 'Alice', state: 'typing' },
      { userId: 'u2', name: 'Bob', state: 'viewing' }
    ]);
    // A malformed or foreign payload on the channel is ignored.
    await d.pglite!.query(`select pg_notify($1, $2)`, [PRESENCE_CHANNEL, '{"i":"x","k":"set","t":"not-a-uuid","s":"z"}']);
    a.clear(T, 'a:1');
    await until(() => b.list(T).length === 1, 'alice cleared on b');
    expect(changes[1].length).toBeGreaterThanOrEqual(2);
    // Bob's entry on a was not refreshed: 31 s later it is gone there (and a is told).
    const before = changes[0].length;
    a.sweep(Date.now() + 31_000);
    expect(a.list(T)).toEqual([]);
    expect(changes[0].length).toBe(before + 1);
    // A refresh keeps an entry alive.
    b.set(T, 'b:1', { id: 'u2', name: 'Bob' }, 'viewing');
    b.sweep(Date.now() + 20_000);
    expect(b.list(T)).toHaveLength(1);
  });
});
