// Held writes (db/held-writes.ts) and their fallback, in process on real PostgreSQL. A group
// commit inserts its messages' rows in one statement, holds each message's final status, its
// acknowledgement row and its delivery job and writes them once at the batch's end. When one of those held writes fails, nobody can say which
// message it belongs to: the batch rolls back and every message goes through the single path,
// where hold() answers false and each writes at once (EmailIngestService#commitBatch). The
// failure here is real: a trigger refuses the final status of one message (as a constraint or a
// disk error would), so the held UPDATE of the whole batch fails first, then that message's own.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { uuidv7 } from 'uuidv7';
import { CompiledQuery, sql } from 'kysely';
import type { Database } from '../../src/lib/server/db/connection';
import { TicketsService } from '../../src/lib/server/tickets/service';
import { buildBackground, type Background } from '../../src/lib/server/jobs/wiring';
import { EmailIngestService } from '../../src/lib/server/email/ingest';
import { OutboundMail } from '../../src/lib/server/email/outbound';
import { RequesterLinks } from '../../src/lib/server/email/requester-link';
import { keyRing } from '../../src/lib/server/email/secrets';
import { openFixtureDb } from '../support/jobs-fixture';
import type { Backend } from '../support/backends';

const backends = inject('backends') as Backend[];
const SECRET = 'held-writes-test-secret-held-writes-test-secret';

const raw = (tag: string, i: number, subject = `${tag} ${i}`) =>
  Buffer.from([`From: Held Sender ${i} <held${i}@customer.example>`, 'To: support@help.example.com', `Subject: ${subject}`, `Message-ID: <${tag}-${i}@customer.example>`, `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `Body of ${subject}.`, ''].join('\r\n'));

describe.skipIf(!backends.includes('postgres'))('held writes of a group commit on postgres', () => {
  let database: Database;
  let drop: () => Promise<void>;
  let bg: Background;
  let ingest: EmailIngestService;
  const q = async <T = Record<string, any>>(text: string, params: unknown[] = []) => (await database.db.executeQuery(CompiledQuery.raw(text, params))).rows as T[];

  beforeAll(async () => {
    ({ database, drop } = await openFixtureDb('postgres'));
    const outbound = new OutboundMail(database.db, { secret: SECRET, ring: keyRing({ appSecret: SECRET }), links: new RequesterLinks(SECRET), loopToken: 'outpost-0123456789ab', baseUrl: () => 'http://help.example.com' });
    // Jobs are enqueued (the acknowledgements' delivery) but not worked: the test counts them.
    bg = buildBackground(database.db, { work: false, mail: outbound });
    await bg.start();
    const tickets = new TicketsService(database.db);
    tickets.autoAssign = (trx, t, now) => bg.assignment.decide(trx, t, now);
    tickets.mailer = outbound;
    ingest = new EmailIngestService(database.db, tickets, { secret: SECRET, loopToken: 'outpost-0123456789ab', maxBytes: 1 << 20 });
    ingest.mailer = outbound;
    // The default relay: every ticket from email gets an acknowledgement composed (held in a batch).
    await sql`insert into email_configurations (id, name, kind, address, host, port, security, auth_method, is_default, enabled) values (${uuidv7()}, 'Relay', 'smtp', 'support@help.example.com', '127.0.0.1', 2525, 'none', 'none', true, true)`.execute(database.db);
    // A final status this database refuses, for one subject only.
    await q(`create function refuse_poison() returns trigger language plpgsql as $$ begin raise exception 'poison: status % refused', new.status; end $$`);
    await q(`create trigger refuse_poison before update on email_messages for each row when (new.status = 'processed' and new.subject = 'Poison held write') execute function refuse_poison()`);
  });

  afterAll(async () => {
    await bg?.stop();
    await drop?.();
  });

  /** Per message of `tag`: its status, its ticket's transaction id, its acknowledgements and their delivery jobs. */
  const outcome = async (tag: string) => {
    const msgs = await q<{ message_id: string; status: string; error: string | null; ticket_id: string | null; tx: string | null }>(
      `select m.message_id, m.status, m.error, m.ticket_id, t.xmin::text as tx from email_messages m left join tickets t on t.id = m.ticket_id where m.direction = 'in' and m.message_id like $1 order by m.message_id`,
      [`${tag}-%`]
    );
    const acks = await q<{ in_reply_to: string; id: string }>(`select in_reply_to, id::text from email_messages where direction = 'out' and template = 'ticket.received' and in_reply_to like $1`, [`${tag}-%`]);
    const [jobs] = await q<{ n: number }>(`select count(*)::int as n from pgboss.job where name = 'email.deliver' and data->>'emailMessageId' = any($1::text[])`, [acks.map((a) => a.id)]);
    return { msgs, acks, jobs: jobs.n };
  };

  it('a batch whose held writes succeed commits in one transaction with one acknowledgement and one job per ticket', async () => {
    const N = 6;
    const items = Array.from({ length: N }, (_, i) => ({ raw: raw('held-ok', i), src: { channel: 'imap' as const } }));
    // The same message twice in one batch (its rows are inserted together): the second is a duplicate.
    const outs = await ingest.ingestMany([...items, { raw: raw('held-ok', 2, 'held-ok 2 again'), src: { channel: 'imap' } }]);
    expect(outs.map((o) => o.status)).toEqual([...Array(N).fill('created'), 'duplicate']);
    const { msgs, acks, jobs } = await outcome('held-ok');
    expect(msgs.map((m) => m.status)).toEqual(Array(N).fill('processed'));
    // Each message's raw bytes, the first's for the Message-ID sent twice.
    const raws = await q<{ message_id: string; raw: Buffer }>(`select m.message_id, r.raw from email_raw_messages r join email_messages m on m.id = r.email_message_id where m.message_id like 'held-ok-%' order by m.message_id`);
    expect(raws.map((r) => [r.message_id, r.raw.toString()])).toEqual(items.map((it, i) => [`held-ok-${i}@customer.example`, it.raw.toString()]));
    // Held writes went out together: every ticket of the batch shares its transaction.
    expect(new Set(msgs.map((m) => m.tx)).size).toBe(1);
    expect(acks.length).toBe(N);
    expect(jobs).toBe(N);
  });

  it('a held write that fails sends every message of the batch through the single path: the culprit is quarantined, the others commit alone with their acknowledgements', async () => {
    const N = 6;
    const items = Array.from({ length: N }, (_, i) => ({ raw: raw('held-bad', i, i === 3 ? 'Poison held write' : undefined), src: { channel: 'imap' as const } }));
    const outs = await ingest.ingestMany(items);
    expect(outs.map((o) => o.status)).toEqual(['created', 'created', 'created', 'failed', 'created', 'created']);
    expect(outs[3]).toMatchObject({ status: 'failed', reason: expect.stringMatching(/poison: status processed refused/) });

    const { msgs, acks, jobs } = await outcome('held-bad');
    expect(msgs.map((m) => [m.message_id, m.status])).toEqual(items.map((_, i) => [`held-bad-${i}@customer.example`, i === 3 ? 'failed' : 'processed']));
    const poison = msgs[3];
    expect(poison).toMatchObject({ ticket_id: null, error: expect.stringMatching(/poison/) });
    expect((await q(`select raw from email_raw_messages r join email_messages m on m.id = r.email_message_id where m.message_id = 'held-bad-3@customer.example'`)).length).toBe(1);
    // Nothing of the poisoned message's ticket survived its rollback.
    expect((await q(`select id from tickets where subject = 'Poison held write'`)).length).toBe(0);
    // The others went one by one (hold() said no, each wrote at once): one transaction per ticket.
    const ok = msgs.filter((m) => m.status === 'processed');
    expect(ok.every((m) => m.ticket_id)).toBe(true);
    expect(new Set(ok.map((m) => m.tx)).size).toBe(N - 1);
    // Each still has exactly one acknowledgement and one delivery job (written directly, not held).
    expect(acks.map((a) => a.in_reply_to).sort()).toEqual(ok.map((m) => m.message_id).sort());
    expect(jobs).toBe(N - 1);
  });
});
