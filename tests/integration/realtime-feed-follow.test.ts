// The real-time feed following the sync tailer in the same process (realtime/feed.ts follow()), on
// both databases with the real capture triggers, LISTEN/NOTIFY and the real tailer: one read of the
// change log serves both, and every change reaches the feed exactly once whichever reader got
// further — before the tailer starts (the feed reads itself), across the hand-over, with a gap
// between the feed's snapshot and the tailer's next read (a feed that starts after the tailer has
// read), and after the tailer stops (the feed reads itself again).
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { CompiledQuery, type Kysely } from 'kysely';
import { openDatabase, type Database } from '../../src/lib/server/db/connection';
import { migrate } from '../../src/lib/server/db/migrate';
import { SyncEngine } from '../../sync/server/engine';
import { ChangeFeed } from '../../src/lib/server/realtime/feed';
import type { Routed } from '../../src/lib/domain/realtime/events';
import { freshPostgresDatabase, type Backend } from '../support/backends';
import { until } from '../support/shape-replica';

const backends = inject('backends') as Backend[];
const USER = '00000000-0000-7000-8000-00000000fee0';

describe.each(backends)('real-time feed following the sync tailer on %s', (backend) => {
  let database: Database;
  let db: Kysely<any>;
  let drop: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  const exec = async (text: string, params: unknown[] = []) => (await db.executeQuery(CompiledQuery.raw(text, params))).rows as any[];
  const insertTicket = async (subject: string) => {
    const id = crypto.randomUUID();
    await exec(`insert into tickets (id, subject, requester_id) values ($1, $2, $3)`, [id, subject, USER]);
    return id;
  };
  /** Ticket ids announced as created, in delivery order. */
  const createdIn = (routed: Routed[]) => routed.flatMap((r) => (r.staff?.type === 'ticket:created' ? [String(r.staff.ticketId)] : []));

  beforeAll(async () => {
    if (backend === 'postgres') {
      const fresh = await freshPostgresDatabase('outpost_feedfollow');
      drop = fresh.drop;
      databaseUrl = fresh.url;
      database = await openDatabase({ databaseUrl });
    } else database = await openDatabase({ pgliteDir: 'memory://' });
    db = database.db as unknown as Kysely<any>;
    await migrate(db);
    await exec(`insert into users (id, email, name) values ($1, 'feed-follow@example.test', 'Feed Follow')`, [USER]);
  });
  afterAll(async () => {
    await database?.close();
    await drop?.();
  });

  it('takes the tailer reads instead of reading itself, delivering every change once across start, gap and stop', async () => {
    const engine = new SyncEngine({ db, engine: backend, databaseUrl, longPollMs: 20_000 });
    const got: Routed[] = [];
    // The poll (the feed's safety net) is left out: the reads below are the ones the test asks for.
    const feed = new ChangeFeed({ db, deliver: (r) => got.push(r), pollMs: 3_600_000 });
    const late: Routed[] = [];
    const lateFeed = new ChangeFeed({ db, deliver: (r) => late.push(r), pollMs: 3_600_000 });
    try {
      await feed.start();
      feed.follow(engine.changeWindows());
      // The tailer is not reading yet: the feed reads the log itself.
      const a = await insertTicket('before the tailer');
      feed.kick();
      await until('a through the feed\'s own read', () => createdIn(got).includes(a), 10_000);
      expect(feed.stats.reads).toBeGreaterThan(0);

      // The tailer starts from the beginning of the log: what the feed already delivered is not
      // delivered again, what is new comes through the tailer's reads (woken by its own LISTEN).
      await engine.start();
      await engine.tailer.sync();
      const ownReads = feed.stats.reads;
      const b = await insertTicket('through the tailer 1');
      const c = await insertTicket('through the tailer 2');
      await engine.tailer.sync();
      await until('b and c through the tailer', () => createdIn(got).includes(c), 10_000);
      // A notification or the poll reaching the feed kicks the tailer; the feed does not read.
      feed.kick();
      feed.kick(false);
      await engine.tailer.sync();
      const d = await insertTicket('through the tailer 3');
      await engine.tailer.sync();
      await until('d through the tailer', () => createdIn(got).includes(d), 10_000);
      expect(feed.stats.reads).toBe(ownReads);
      expect(feed.stats.followed).toBeGreaterThan(0);

      // A feed whose snapshot is older than the start of the tailer's next read (e committed and was
      // read by the tailer before this feed followed it): it reads the gap itself, up to that read.
      await lateFeed.start();
      const e = await insertTicket('in the gap');
      await engine.tailer.sync();
      lateFeed.follow(engine.changeWindows());
      const f = await insertTicket('after the gap');
      await engine.tailer.sync();
      await until('e and f on the late feed', () => createdIn(late).includes(e) && createdIn(late).includes(f), 10_000);
      expect(lateFeed.stats.reads).toBe(1);
      const g = await insertTicket('followed by the late feed');
      await engine.tailer.sync();
      await until('g on the late feed', () => createdIn(late).includes(g), 10_000);
      expect(lateFeed.stats.reads).toBe(1);

      // The tailer stops (or fails): the feeds read the log themselves again.
      await engine.stop();
      const h = await insertTicket('after the tailer stopped');
      feed.kick();
      lateFeed.kick();
      await until('h through the feeds\' own reads', () => createdIn(got).includes(h) && createdIn(late).includes(h), 10_000);
      expect(feed.stats.reads).toBe(ownReads + 1);

      // Each change exactly once, in commit order.
      expect(createdIn(got)).toEqual([a, b, c, d, e, f, g, h]);
      expect(createdIn(late)).toEqual([e, f, g, h]);
    } finally {
      feed.stop();
      lateFeed.stop();
      await engine.stop();
    }
  });
});
