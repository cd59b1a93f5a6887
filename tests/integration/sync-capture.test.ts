// The change-log capture triggers (0003, rewritten in 0020), on PGlite and on the PostgreSQL server:
// what an entry holds is what the engine serves, so it is pinned here column by column.
//   - insert: `row` = every tracked column as PostgreSQL text (null as null);
//   - update: `row` = the new row whole, `old` = exactly the columns whose text changed, with their
//     previous text — checked against the previous image of the row in the log itself, for updates
//     of every kind of column (uuid, text, arrays, jsonb, timestamps, booleans, integers);
//   - an update that changes no column's text logs nothing; one that changes only the text of an
//     equal value (jsonb 1.0 → 1.00) is a change;
//   - redacted (secret settings) and excluded (credentials) columns keep their rules.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { CompiledQuery, type Kysely } from 'kysely';
import { openDatabase, type Database } from '../../src/lib/server/db/connection';
import { migrate } from '../../src/lib/server/db/migrate';
import { freshPostgresDatabase, type Backend } from '../support/backends';

const backends = inject('backends') as Backend[];
type Row = Record<string, string | null>;
interface Entry {
  seq: string;
  tbl: string;
  op: string;
  key: string;
  row: Row | null;
  old: Row | null;
}

describe.each(backends)('change capture (%s)', (backend) => {
  let database: Database;
  let drop: (() => Promise<void>) | undefined;
  let exec: (text: string, params?: unknown[]) => Promise<any[]>;
  let userId: string;

  beforeAll(async () => {
    if (backend === 'postgres') {
      const fresh = await freshPostgresDatabase('outpost_capture');
      drop = fresh.drop;
      database = await openDatabase({ databaseUrl: fresh.url });
    } else database = await openDatabase({ pgliteDir: 'memory://' });
    const db = database.db as unknown as Kysely<any>;
    await migrate(db);
    exec = async (text, params = []) => (await db.executeQuery(CompiledQuery.raw(text, params))).rows as any[];
    userId = (await exec(`insert into users (email, name) values ('capture@example.test', 'Capture') returning id`))[0].id;
  }, 120_000);

  afterAll(async () => {
    await database?.close();
    await drop?.();
  });

  const lastSeq = async () => String((await exec('select coalesce(max(seq), 0) as s from sync_change_log'))[0].s);
  const entriesAfter = async (seq: string, tbl: string): Promise<Entry[]> =>
    exec('select l.seq::text as seq, l.tbl, l.op, l.key, l.row, l.old from sync_change_log l where l.seq > $1 and l.tbl = $2 order by l.seq', [seq, tbl]);

  /** Every update entry's `old` is exactly the text diff between the row's previous image and this one. */
  function checkDiffs(entries: Entry[], start: Map<string, Row>) {
    const image = new Map(start);
    for (const e of entries) {
      if (e.op === 'update') {
        const before = image.get(e.key)!;
        expect(before, `previous image of ${e.key}`).toBeDefined();
        const expected: Row = {};
        for (const k of Object.keys(e.row!)) if (before[k] !== e.row![k]) expected[k] = before[k];
        expect(Object.keys(before).sort()).toEqual(Object.keys(e.row!).sort());
        expect(Object.keys(expected).length).toBeGreaterThan(0);
        expect(e.old).toEqual(expected);
      }
      if (e.row) image.set(e.key, e.row);
    }
  }

  it('logs the whole row on insert and exactly the changed columns with their old text on update', async () => {
    const s0 = await lastSeq();
    const [t] = await exec(
      `insert into tickets (subject, description, requester_id, priority, tags, custom_fields)
       values ('Printer jams', 'Floor 3', $1, 'low', array['printer', 'a/b'], '{"x": 1.0}') returning id`,
      [userId]
    );
    const [ins] = await entriesAfter(s0, 'tickets');
    expect(ins.op).toBe('insert');
    expect(ins.key).toBe(t.id);
    expect(ins.old).toBeNull();
    expect(ins.row).toMatchObject({ id: t.id, subject: 'Printer jams', priority: 'low', tags: '{printer,a/b}', custom_fields: '{"x": 1.0}', assignee_id: null, sla_paused: 'false', reopen_count: '0' });
    expect(ins.row).not.toHaveProperty('search_vector');

    const s1 = await lastSeq();
    const steps = [
      `update tickets set priority = 'critical' where id = $1`,
      `update tickets set tags = array['printer'], custom_fields = '{"x": 1.0, "y": [1, 2]}' where id = $1`,
      `update tickets set status = 'in_progress', assignee_id = requester_id, last_activity_at = '2026-01-02 03:04:05.123456+02' where id = $1`,
      `update tickets set description = null, location = 'Room "5"' where id = $1`,
      `update tickets set sla_paused = true, sla_paused_seconds = 5, due_at = '2026-03-01T10:00:00Z' where id = $1`,
      `update tickets set location = null, sla_paused = false where id = $1`
    ];
    for (const q of steps) await exec(q, [t.id]);
    const ups = await entriesAfter(s1, 'tickets');
    expect(ups.map((e) => e.op)).toEqual(steps.map(() => 'update'));
    checkDiffs(ups, new Map([[t.id, ins.row!]]));
    // Spot checks of the text forms (UTC, ISO) on top of the generic diff check.
    expect(ups[0].old).toMatchObject({ priority: 'low' });
    expect(ups[0].row).toMatchObject({ priority: 'critical', priority_rank: '4' });
    expect(ups[2].row).toMatchObject({ status: 'in_progress', assignee_id: userId, last_activity_at: '2026-01-02 01:04:05.123456+00' });
    expect(ups[2].old).toMatchObject({ status: 'new', assignee_id: null });
    expect(ups[3].old).toMatchObject({ description: 'Floor 3', location: null });
    expect(ups[4].row).toMatchObject({ sla_paused: 'true', sla_paused_seconds: '5', due_at: '2026-03-01 10:00:00+00' });
    expect(ups[5].old).toMatchObject({ location: 'Room "5"', sla_paused: 'true' });
  });

  it('logs nothing for an update that changes no text, and a change for equal values with another text', async () => {
    const [t] = await exec(`insert into tickets (subject, requester_id, custom_fields) values ('Same', $1, '{"n": 1.0}') returning id`, [userId]);
    // The touch trigger moves updated_at on every update; inside one transaction now() stays put,
    // so a second identical update is a no-op for every column.
    const s0 = await lastSeq();
    await exec(`do $$ begin
      update tickets set subject = 'Same again' where id = '${t.id}';
      update tickets set subject = 'Same again' where id = '${t.id}';
    end $$`);
    expect((await entriesAfter(s0, 'tickets')).length).toBe(1);

    const s1 = await lastSeq();
    await exec(`do $$ begin
      update tickets set custom_fields = '{"n": 1.00}' where id = '${t.id}';
      update tickets set custom_fields = '{"n": 1.00}' where id = '${t.id}';
    end $$`);
    const e = await entriesAfter(s1, 'tickets');
    expect(e.length).toBe(1);
    expect(e[0].old).toEqual(expect.objectContaining({ custom_fields: '{"n": 1.0}' }));
    expect(e[0].row!.custom_fields).toBe('{"n": 1.00}');
  });

  it('keeps redaction of secret settings and leaves credentials out', async () => {
    await exec(`insert into system_settings (key, value, is_public, is_secret, description) values ('capture.plain', '{"a": 1}', false, false, 'x')`);
    const s0 = await lastSeq();
    await exec(`update system_settings set value = '{"a": 2}' where key = 'capture.plain'`);
    await exec(`update system_settings set is_secret = true where key = 'capture.plain'`);
    // updated_at (now()) must move: PGlite's clock can give two quick transactions the same time.
    await new Promise((r) => setTimeout(r, 20));
    await exec(`update system_settings set value = '{"a": 3}' where key = 'capture.plain'`);
    const e = await entriesAfter(s0, 'system_settings');
    // The third update changes only a blanked value: its text (null) did not change, but updated_at did.
    expect(e.map((x) => x.op)).toEqual(['update', 'update', 'update']);
    expect(e[0].old).toMatchObject({ value: '{"a": 1}' });
    expect(e[1].row).toMatchObject({ value: null, is_secret: 'true' });
    expect(e[1].old).toMatchObject({ value: '{"a": 2}', is_secret: 'false' });
    expect(e[2].row!.value).toBeNull();
    expect(e[2].old).not.toHaveProperty('value');

    const s1 = await lastSeq();
    await exec(`update users set password_hash = 'not logged' where id = $1`, [userId]);
    const u = await entriesAfter(s1, 'users');
    expect(u.length).toBe(1); // updated_at moved; the hash is not a tracked column
    expect(u[0].row).not.toHaveProperty('password_hash');
    expect(Object.keys(u[0].old!)).toEqual(['updated_at']);
  });

  it('logs the old row on delete', async () => {
    const [t] = await exec(`insert into tickets (subject, requester_id) values ('Gone', $1) returning id`, [userId]);
    const [c] = await exec(`insert into ticket_comments (ticket_id, requester_id, body, author_id) values ($1, $2, 'bye', $2) returning id`, [t.id, userId]);
    const s0 = await lastSeq();
    await exec(`delete from ticket_comments where id = $1`, [c.id]);
    const [d] = await entriesAfter(s0, 'ticket_comments');
    expect(d.op).toBe('delete');
    expect(d.row).toBeNull();
    expect(d.old).toMatchObject({ id: c.id, ticket_id: t.id, body: 'bye', internal: 'false' });
  });
});
