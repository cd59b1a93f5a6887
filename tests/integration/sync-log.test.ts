// The change log's upkeep (issue 3), the embedded engine on PGlite and on the PostgreSQL server, the
// real @electric-sql/client ShapeStream:
//   - compaction (the sync_compaction migration): history older than the threshold keeps one entry
//     per row, and a client resuming from ANY offset it could have stored — before, between or after
//     the compacted changes — still converges to the table, without a re-sync;
//   - windows are recorded without waiting for the WAL flush: one lost in a database crash must not
//     make a client that holds an offset in it skip a change.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import pg from 'pg';
import { CompiledQuery, type Kysely } from 'kysely';
import { isChangeMessage } from '@electric-sql/client';
import { openDatabase, type Database } from '../../src/lib/server/db/connection';
import { migrate } from '../../src/lib/server/db/migrate';
import { SyncEngine } from '../../sync/server/engine';
import type { ShapeActor } from '../../sync/protocol/shapes';
import { PERMISSIONS } from '../../src/lib/domain/auth/permissions';
import { freshPostgresDatabase, type Backend } from '../support/backends';
import { Replica, serveShapes, until } from '../support/shape-replica';

const backends = inject('backends') as Backend[];
const ADMIN: ShapeActor = { id: '00000000-0000-7000-8000-00000000c0de', permissions: new Set(PERMISSIONS) };
type Q = (text: string, params?: unknown[]) => Promise<any[]>;

interface Harness {
  engine: SyncEngine;
  exec: Q;
  /** PostgreSQL: the database, for connections of the test's own. */
  databaseUrl?: string;
  /** A new engine on the same database (the process restarted). */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  url(): string;
  headers(): Record<string, string>;
  close(): Promise<void>;
}

async function harness(backend: Backend): Promise<Harness> {
  let drop: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  let database: Database;
  if (backend === 'postgres') {
    const fresh = await freshPostgresDatabase('outpost_compact');
    drop = fresh.drop;
    databaseUrl = fresh.url;
    database = await openDatabase({ databaseUrl });
  } else database = await openDatabase({ pgliteDir: 'memory://' });
  const db = database.db as unknown as Kysely<any>;
  await migrate(db);
  const make = () => new SyncEngine({ db, engine: backend, databaseUrl, longPollMs: 20_000 });
  let engine = make();
  const server = await serveShapes((url, signal) => engine.handleShapeRequest(ADMIN, url, signal));
  const base = server.base;
  const exec: Q = async (text, params = []) => (await db.executeQuery(CompiledQuery.raw(text, params))).rows as any[];
  await exec(`insert into users (id, email, name) values ($1, 'compact-admin@example.test', 'Compact Admin')`, [ADMIN.id]);
  return {
    get engine() {
      return engine;
    },
    exec,
    databaseUrl,
    async restart(whileDown) {
      await engine.stop();
      await whileDown?.();
      engine = make();
    },
    url: () => `${base}/shape`,
    headers: () => ({}),
    async close() {
      await engine.stop();
      server.close();
      await database.close();
      await drop?.();
    }
  };
}

const uuid = () => crypto.randomUUID();

/** The tickets shape for staff: live rows, closed ones only when recent. */
async function expected(q: Q) {
  return (await q(
    `select id::text, subject, status from tickets
      where deleted_at is null and (status <> 'closed' or closed_at >= now() - interval '30 days') order by id`
  )) as { id: string; subject: string; status: string }[];
}

function holds(rep: Replica, rows: { id: string; subject: string; status: string }[]) {
  if (rep.rows.size !== rows.length) return false;
  return rows.every((r) => {
    const got = rep.byId(r.id);
    return !!got && got.subject === r.subject && got.status === r.status;
  });
}

const targets = backends.filter((b) => b === 'pglite' || b === 'postgres');

describe.each(targets)('change-log compaction on %s', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('keeps one entry per row, and clients resuming from any stored offset converge without a re-sync', async () => {
    const ins = (id: string, subject: string) =>
      h.exec(`insert into tickets (id, subject, requester_id, status) values ($1, $2, $3, 'new')`, [id, subject, ADMIN.id]);
    const [a, b, c, d, e, f, g] = Array.from({ length: 7 }, uuid);
    for (const [id, s] of [[a, 'A0'], [b, 'B0'], [c, 'C0'], [d, 'D0'], [g, 'G0']]) await ins(id, s);

    const rep = new Replica(h, { shape: 'tickets' });
    await until('up-to-date', () => rep.upToDates > 0, 15_000, rep);
    // Every offset the client passes through, with what it held there.
    const checkpoints: { offset: string; handle: string; rows: Map<string, Record<string, unknown>> }[] = [];
    const step = async (sqls: [string, unknown[]][]) => {
      for (const [text, params] of sqls) await h.exec(text, params);
      const want = await expected(h.exec);
      await until('caught up', () => holds(rep, want), 15_000, rep);
      checkpoints.push({ offset: rep.stream.lastOffset, handle: rep.stream.shapeHandle!, rows: new Map([...rep.rows].map(([k, v]) => [k, { ...v }])) });
    };
    checkpoints.push({ offset: rep.stream.lastOffset, handle: rep.stream.shapeHandle!, rows: new Map([...rep.rows].map(([k, v]) => [k, { ...v }])) });
    const upd = (id: string, subject: string): [string, unknown[]] => [`update tickets set subject = $2 where id = $1`, [id, subject]];
    const out = (id: string): [string, unknown[]] => [`update tickets set deleted_at = now() where id = $1`, [id]];
    const back = (id: string): [string, unknown[]] => [`update tickets set deleted_at = null where id = $1`, [id]];
    await step([upd(a, 'A1')]);
    await step([upd(a, 'A2'), out(b)]); // b leaves the shape
    await step([upd(b, 'B1 while out'), out(c), upd(g, 'G1')]);
    await step([back(b), [`delete from tickets where id = $1`, [d]]]); // b comes back; d is gone
    await step([[`insert into tickets (id, subject, requester_id, status) values ($1, 'E0', $2, 'new')`, [e, ADMIN.id]], upd(b, 'B2'), out(g)]);
    await step([upd(e, 'E1'), [`insert into tickets (id, subject, requester_id, status) values ($1, 'F0', $2, 'new')`, [f, ADMIN.id]], upd(c, 'C1 while out')]);
    await step([[`delete from tickets where id = $1`, [e]], upd(f, 'F1'), back(g), upd(a, 'A3')]);
    await step([out(g), [`update tickets set status = 'in_progress', subject = 'A4' where id = $1`, [a]]]);
    rep.stop();

    // Everything so far becomes "old"; one more write keeps a tail window past it.
    await h.engine.tailer.sync();
    const before = Number((await h.exec(`select count(*)::int as n from sync_change_log where tbl = 'tickets'`))[0].n);
    await h.exec(`update sync_windows set at = now() - interval '2 hours'`);
    const tailId = uuid();
    await ins(tailId, 'after compaction threshold');
    await h.engine.tailer.sync();
    const r = await h.engine.tailer.compact({ olderThanMs: 3_600_000 });
    expect(r.rows).toBeGreaterThanOrEqual(6);
    expect(r.removedEntries).toBeGreaterThan(0);
    const perKey = await h.exec(`select key, count(*)::int as n from sync_change_log where tbl = 'tickets' group by key having count(*) > 1`);
    expect(perKey).toEqual([]);
    const after = Number((await h.exec(`select count(*)::int as n from sync_change_log where tbl = 'tickets'`))[0].n);
    expect(after).toBe(before + 1 - r.removedEntries);
    // Window counts stay exact: retention by size relies on them.
    const [{ logged, counted }] = await h.exec(
      `select (select count(*)::int from sync_change_log) as logged, (select coalesce(sum(entries), 0)::int from sync_windows) as counted`
    );
    expect(counted).toBe(logged);
    // Compacting again finds nothing new.
    expect((await h.engine.tailer.compact({ olderThanMs: 3_600_000 })).removedEntries).toBe(0);

    await h.exec(`update tickets set subject = 'A5 live after compaction' where id = $1`, [a]);
    const want = await expected(h.exec);
    expect(want.map((x) => x.id)).toContain(tailId);
    let sawMergedTxids = false;
    for (const [i, cp] of checkpoints.entries()) {
      const resumed = new Replica(h, { shape: 'tickets' }, { offset: cp.offset, handle: cp.handle });
      resumed.rows = new Map(cp.rows);
      await until(`checkpoint ${i} converges`, () => holds(resumed, want), 15_000, resumed);
      expect(resumed.error, `checkpoint ${i}`).toBeUndefined();
      expect(resumed.refetches, `checkpoint ${i} re-synced`).toBe(0);
      if (resumed.changes().some((m) => (m.headers.txids?.length ?? 0) > 1)) sawMergedTxids = true;
      resumed.stop();
    }
    // A compacted change carries the txids of the changes folded into it (overlay confirmation).
    expect(sawMergedTxids).toBe(true);
    // A new client takes the snapshot as usual.
    const fresh = new Replica(h, { shape: 'tickets' });
    await until('fresh client', () => fresh.upToDates > 0 && holds(fresh, want), 15_000, fresh);
    expect(fresh.changes().filter(isChangeMessage).length).toBe(want.length);
    fresh.stop();
  });

  it('a window lost in a database crash: a client holding an offset in it still gets every change (PostgreSQL)', async (ctx) => {
    if (!h.databaseUrl) return ctx.skip();
    const ins = (q: Q, id: string, subject: string) => q(`insert into tickets (id, subject, requester_id, status) values ($1, $2, $3, 'new')`, [id, subject, ADMIN.id]);
    const rep = new Replica(h, { shape: 'tickets' });
    await until('up-to-date', () => rep.upToDates > 0, 15_000, rep);
    // A transaction writes first (lower seq) and commits after a later one was published.
    const slow = new pg.Client({ connectionString: h.databaseUrl });
    await slow.connect();
    const early = uuid();
    const later = uuid();
    try {
      await slow.query('begin');
      await ins((t, p) => slow.query(t, p as unknown[]).then((r) => r.rows), early, 'written first, committed last');
      await ins(h.exec, later, 'committed first');
      await until('later seen', () => !!rep.byId(later), 15_000, rep);
      const saved = { offset: rep.stream.lastOffset, handle: rep.stream.shapeHandle! };
      const rows = new Map(rep.rows);
      rep.stop();
      // The crash: the window the client's offset points into was never flushed.
      await h.restart(async () => {
        await h.exec(`delete from sync_windows where w = (select max(w) from sync_windows)`);
        await slow.query('commit');
      });
      const resumed = new Replica(h, { shape: 'tickets' }, saved);
      resumed.rows = rows;
      await until('every change', async () => holds(resumed, await expected(h.exec)), 15_000, resumed);
      expect(resumed.byId(early)?.subject).toBe('written first, committed last');
      expect(resumed.refetches).toBe(0);
      resumed.stop();
    } finally {
      await slow.end();
    }
  });
});
