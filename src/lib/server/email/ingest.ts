// The one ingest pipeline every intake (IMAP, POP3, inbound SMTP, webhook) feeds:
//   raw MIME → parse → classify → (one transaction:) record the message + mailbox watermark →
//   requester → thread → ticket or comment through the ticket service.
// Exactly once: the message row (unique per Message-ID and per mailbox UID/UIDL) commits in the
// same transaction as the ticket or comment it caused, so a crash before COMMIT leaves nothing and
// the message is fetched again; a crash after leaves the row, and the second attempt finds it.
// A message that cannot be processed is quarantined (status 'failed', reason, raw kept) and the
// watermark still moves on: one broken message never blocks the rest.
import { createHash } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { DB } from '../db/schema';
import type { TicketMailer, TicketsService } from '../tickets/service';
import type { FilesService, PreparedFile } from '../files/service';
import { ticketsEmailRepo } from '../tickets/email-repository';
import { authRepo, type PrincipalRow } from '../auth/repository';
import { toActor } from '../auth/service';
import type { RequestContext } from '../context';
import { onlineTiming } from '$lib/domain/mutations/clock';
import { can } from '$lib/domain/auth/permissions';
import { classify } from '$lib/domain/email/classify';
import { trimQuoted } from '$lib/domain/email/quote';
import { cleanSubject, subjectTicketNumber } from '$lib/domain/email/threading';
import { parseEmail, type ParsedEmail } from './parse';
import { emailRepo, type FinishRow, type FinishSet } from './repository';
import { verifyReplyAddress } from './reply-address';
import { log } from '../log';
import { jobQueue } from '../jobs/queue';
import { flushHeld, hold, holdWrites, takeHeld } from '../db/held-writes';
import type { OutDB } from '../db/schema-email-out';
import { HELD_OUTBOUND } from './outbound';

export type IngestChannel = 'imap' | 'pop3' | 'smtp' | 'webhook';

export interface IngestSource {
  channel: IngestChannel;
  mailboxId?: string | null;
  uid?: number;
  uidValidity?: number;
  uidl?: string;
}

export type IngestOutcome =
  | { status: 'created'; emailId: string; ticketId: string; number: number; followUpOf?: string }
  | { status: 'commented'; emailId: string; ticketId: string; commentId: string; matchedBy: ThreadMatch }
  | { status: 'ignored'; emailId: string; classification: string; reason: string }
  | { status: 'duplicate' }
  | { status: 'failed'; emailId: string | null; reason: string };

export type ThreadMatch = 'message_id' | 'reply_address' | 'subject_token';

export interface MailboxPolicy {
  closedTicketPolicy: 'reopen' | 'new_linked';
  defaultTeamId: string | null;
  defaultTypeId: string | null;
}

export interface IngestOptions {
  secret: string;
  /** Written as X-Loop on outbound mail; a message carrying it came from us. */
  loopToken: string;
  /** Largest message accepted; bigger ones are quarantined (raw kept). */
  maxBytes: number;
}

/** A parsed message with everything its transaction needs. */
interface Ready {
  raw: Buffer;
  src: IngestSource;
  mail: ParsedEmail;
  ours: { addresses: string[]; messageIdDomain: string | null };
  policy: MailboxPolicy;
  prepared: Map<number, PreparedFile>;
}
type Prepared = { done: true; out: IngestOutcome } | ({ done: false } & Ready);
/** What #check finds before any write: a duplicate, a message to quarantine (not yet written), or one ready for its transaction. */
type Checked = { done: true; out: IngestOutcome } | { done: 'quarantine'; raw: Buffer; src: IngestSource; mail: ParsedEmail | null; reason: string } | ({ done: false } & Ready);
type Waiting = { p: Ready; resolve: (o: IngestOutcome) => void; reject: (e: unknown) => void };
/** Most messages one group-commit transaction takes (the rest wait for the next). */
const MAX_BATCH = 64;
/** Batch transactions at once: one runs its statements while another waits for its WAL flush. */
const MAX_IN_FLIGHT = 2;
/** Longest a ready message waits for others still being parsed to join its batch. */
const GATHER_MS = 4;
/** An announced message not seen for this long no longer holds batches back (a stalled sender). */
const EXPECT_MS = 1_000;

/** The held-writes kind of a batch's final statuses. */
const HELD_FINISH = 'email.finish';

const DEFAULT_POLICY: MailboxPolicy = { closedTicketPolicy: 'reopen', defaultTeamId: null, defaultTypeId: null };

export class EmailIngestService {
  /** Outbound ticket mail (the acknowledgement of a new ticket); set by the app. */
  mailer: TicketMailer | null = null;
  /** The file service: attachments are stored and linked to the ticket or comment (set by the app). */
  files: FilesService | null = null;
  #own: { at: number; addresses: string[]; messageIdDomain: string | null } | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly tickets: TicketsService,
    private readonly opts: IngestOptions
  ) {}

  /** Our own addresses (every configured mailbox and relay) and the domain of our outbound Message-IDs (the default relay's). */
  async #ours(): Promise<{ addresses: string[]; messageIdDomain: string | null }> {
    if (this.#own && Date.now() - this.#own.at < 5_000) return this.#own;
    const rows = await emailRepo.ownAddresses(this.db);
    const addresses = rows.flatMap((r) => [r.address, r.kind !== 'webhook' && r.username?.includes('@') ? r.username : null]).filter((a): a is string => !!a).map((a) => a.toLowerCase());
    const relay = rows.find((r) => r.kind === 'smtp' && r.is_default && r.address);
    this.#own = { at: Date.now(), addresses, messageIdDomain: relay?.address?.split('@')[1]?.toLowerCase() ?? null };
    return this.#own;
  }

  #policies = new Map<string, { at: number; policy: MailboxPolicy }>();

  /** Drops cached configuration after an admin change (other instances see it within 5 s). */
  forgetConfiguration() {
    this.#policies.clear();
    this.#own = undefined;
  }

  /** The mailbox's ticket defaults and closed-ticket policy (cached a few seconds, like our addresses). */
  async #policy(mailboxId: string | null | undefined): Promise<MailboxPolicy> {
    if (!mailboxId) return DEFAULT_POLICY;
    const hit = this.#policies.get(mailboxId);
    if (hit && Date.now() - hit.at < 5_000) return hit.policy;
    const policy = await this.#loadPolicy(mailboxId);
    this.#policies.set(mailboxId, { at: Date.now(), policy });
    return policy;
  }

  async #loadPolicy(mailboxId: string): Promise<MailboxPolicy> {
    const m = await emailRepo.mailbox(this.db, mailboxId);
    if (!m) return DEFAULT_POLICY;
    const p = (m.settings ?? {}) as { closedTicketPolicy?: unknown };
    return {
      closedTicketPolicy: p.closedTicketPolicy === 'new_linked' ? 'new_linked' : 'reopen',
      defaultTeamId: m.default_team_id,
      defaultTypeId: m.default_type_id
    };
  }

  /** Ingests one raw message. Never throws for a bad message (quarantine); throws only when the database fails. */
  async ingest(raw: Buffer, src: IngestSource): Promise<IngestOutcome> {
    const p = await this.#prepare(raw, src);
    return p.done ? p.out : this.#commitOne(p);
  }

  /**
   * ingest() with group commit, for intakes that answer each message on its own connection (inbound
   * SMTP, webhook): messages prepared while a batch transaction runs wait for it, then commit
   * together in the next one, and each promise settles only after that COMMIT (nothing is
   * acknowledged before it is durable). A message that fails inside the batch rolls the batch
   * back; the batch is redone without it and it goes through the single path (quarantine), so
   * one bad message never fails or loses the others. A crash loses only uncommitted, hence
   * unacknowledged, messages; the dedupe by Message-ID makes the sender's retry harmless.
   */
  async ingestGrouped(raw: Buffer, src: IngestSource, expectedKey?: string): Promise<IngestOutcome> {
    if (expectedKey) this.#expected.delete(expectedKey);
    this.#preparing++;
    let p: Prepared;
    try {
      p = await this.#prepare(raw, src);
    } finally {
      this.#preparing--;
    }
    if (p.done) {
      this.#flush();
      return p.out;
    }
    return new Promise<IngestOutcome>((resolve, reject) => {
      this.#waiting.push({ p, resolve, reject });
      this.#flush();
    });
  }

  #waiting: Waiting[] = [];
  #inFlight = 0;
  /** Messages between end of DATA and the queue (parsing): the next batch waits briefly for them. */
  #preparing = 0;
  #gather: ReturnType<typeof setTimeout> | null = null;
  /** Messages announced by an intake (SMTP: MAIL FROM seen, DATA not yet ended), with when: the batch waits briefly for them too. */
  #expected = new Map<string, number>();

  /** An intake announces a message that is on its way (`done` when the transaction ends without one). */
  expect(key: string) {
    this.#expected.set(key, Date.now());
  }
  unexpect(key: string) {
    if (this.#expected.delete(key)) this.#flush();
  }

  #stragglers(): boolean {
    if (this.#preparing > 0) return true;
    const now = Date.now();
    for (const [k, at] of this.#expected) {
      if (now - at < EXPECT_MS) return true;
      this.#expected.delete(k);
    }
    return false;
  }

  /** Messages committed per batch (the last few batches), for the logs and tests. */
  readonly batchSizes: number[] = [];

  #flush() {
    if (this.#inFlight >= MAX_IN_FLIGHT || !this.#waiting.length) return;
    // Messages still arriving or being parsed join this batch if they are ready within GATHER_MS:
    // fewer, larger transactions (one WAL flush for all) at the price of a few milliseconds.
    if (this.#waiting.length < MAX_BATCH && this.#stragglers()) {
      this.#gather ??= setTimeout(() => {
        this.#gather = null;
        this.#go();
      }, GATHER_MS);
      return;
    }
    this.#go();
  }

  #go() {
    if (this.#gather) clearTimeout(this.#gather);
    this.#gather = null;
    if (this.#inFlight >= MAX_IN_FLIGHT || !this.#waiting.length) return;
    this.#inFlight++;
    const batch = this.#waiting.splice(0, MAX_BATCH);
    void this.#commitBatch(batch).finally(() => {
      this.#inFlight--;
      this.#flush();
    });
  }

  async #commitBatch(batch: Waiting[]): Promise<void> {
    // A batch of one takes this path too: its final status and acknowledgement go out in one
    // statement and its delivery job in one insert (the single path writes each on its own).
    let bad: Waiting | null = null;
    /** A statement for the whole batch is running: its failure names no message. */
    let unattributed = false;
    let outs: IngestOutcome[];
    try {
      outs = await this.db.transaction().execute(async (trx) => {
        // The messages' final statuses and acknowledgements: one statement each for the batch, at its end.
        holdWrites(trx);
        const done: IngestOutcome[] = [];
        // Every sender's account in one statement (a requester created meanwhile is read on its own).
        const senders = [...new Set(batch.flatMap((w) => (w.p.mail.from ? [w.p.mail.from.address.toLowerCase()] : [])))];
        const principals = new Map((await authRepo.principalsByEmails(trx, senders)).map((r) => [r.email.toLowerCase(), r]));
        // The acknowledgements' delivery jobs: one insert for the batch, after its messages.
        const q = jobQueue();
        q?.collect(trx);
        // Every message row with its raw bytes in one statement. A row PostgreSQL would refuse (a
        // NUL byte) is left to its own insert in #process, where the failure names its message.
        const rows = batch.map((w) => this.#row(w.p.mail, w.p.src, w.p.raw.length, 'received'));
        const together = rows.map((r) => !JSON.stringify(r).includes('\\u0000'));
        unattributed = true;
        const ids = await emailRepo.insertMessagesWithRaw(trx, batch.flatMap((w, i) => (together[i] ? [{ row: rows[i], raw: w.p.raw }] : [])));
        unattributed = false;
        for (const [i, w] of batch.entries()) {
          let inserted: { id: string | null } | undefined;
          if (together[i]) {
            // The first message of a Message-ID owns its row; a later one in the batch is a duplicate.
            inserted = { id: ids.get(rows[i].message_id) ?? null };
            ids.delete(rows[i].message_id);
          }
          try {
            done.push(await this.#process(trx, w.p, principals, inserted));
          } catch (e) {
            if (!isConnectionError(e)) bad = w;
            throw e;
          }
        }
        unattributed = true;
        // The final statuses and the acknowledgements in one statement, then what else is held (watermarks).
        await emailRepo.finishWithOutbound(trx, takeHeld<FinishRow>(trx, HELD_FINISH), takeHeld<Insertable<OutDB['email_messages']>>(trx, HELD_OUTBOUND));
        await flushHeld(trx);
        unattributed = false;
        await q?.flushCollected(trx);
        return done;
      });
    } catch (e) {
      if (unattributed && !isConnectionError(e)) {
        // A statement of the whole batch (its inserts, its held writes) failed, for a message we cannot name: each goes through the single path (the culprit is quarantined).
        log.warn('email batch: a statement of the whole batch failed; its messages go one by one', { messages: batch.length, error: e instanceof Error ? e.message : String(e) });
        for (const w of batch) await this.#commitOne(w.p).then(w.resolve, w.reject);
        return;
      }
      if (!bad) {
        // The database failed (or COMMIT did): nothing of the batch is acknowledged; senders retry.
        for (const w of batch) await this.files?.discardPrepared([...w.p.prepared.values()]);
        for (const w of batch) w.reject(e);
        return;
      }
      // Redo the batch without the message that failed; that one alone goes through the single path (quarantine).
      const culprit: Waiting = bad;
      const rest = batch.filter((w) => w !== culprit);
      await Promise.all([this.#commitOne(culprit.p).then(culprit.resolve, culprit.reject), rest.length ? this.#commitBatch(rest) : undefined]);
      return;
    }
    this.batchSizes.push(batch.length);
    if (this.batchSizes.length > 100) this.batchSizes.shift();
    for (const [i, w] of batch.entries()) {
      const out = outs[i];
      if (out.status !== 'created' && out.status !== 'commented') await this.files?.discardPrepared([...w.p.prepared.values()]);
      w.resolve(out);
    }
    this.afterCommit?.();
  }

  /** Called after a transaction that may have composed mail commits (wakes the delivery worker). */
  afterCommit: (() => void) | null = null;

  /**
   * Several messages of one mailbox poll (IMAP, POP3), in order, committed together: one
   * transaction for the batch with the mailbox's watermark, so a crash before its COMMIT leaves
   * none of them and the next poll fetches them again. A message failing inside the batch is
   * quarantined on its own and the others commit (as in ingestGrouped). A message quarantined
   * before its transaction (too large, unparseable) is written only after the messages before it
   * committed, so the watermark never passes a message not yet stored.
   */
  async ingestMany(items: { raw: Buffer; src: IngestSource }[]): Promise<IngestOutcome[]> {
    const checked: Checked[] = [];
    for (const it of items) checked.push(await this.#check(it.raw, it.src));
    const out: IngestOutcome[] = new Array(items.length);
    let batch: { i: number; p: Ready }[] = [];
    const commit = async () => {
      const run = batch;
      batch = [];
      if (!run.length) return;
      const waiting: Waiting[] = [];
      const settled = run.map(({ i, p }) => new Promise<void>((resolve, reject) => waiting.push({ p, resolve: (o) => resolve(void (out[i] = o)), reject })));
      await this.#commitBatch(waiting);
      await Promise.all(settled);
    };
    for (const [i, c] of checked.entries()) {
      if (c.done === false) batch.push({ i, p: c });
      else if (c.done === true) out[i] = c.out;
      else {
        await commit();
        out[i] = await this.#quarantine(c.raw, c.src, c.mail, c.reason);
      }
    }
    await commit();
    return out;
  }

  /** Everything before the transaction: duplicate UID, size, parse, settings, attachments to disk. */
  async #prepare(raw: Buffer, src: IngestSource): Promise<Prepared> {
    const c = await this.#check(raw, src);
    return c.done === 'quarantine' ? { done: true, out: await this.#quarantine(c.raw, c.src, c.mail, c.reason) } : c;
  }

  /** #prepare without writing the quarantine of a message that needs one. */
  async #check(raw: Buffer, src: IngestSource): Promise<Checked> {
    if (src.mailboxId && src.uid !== undefined && src.uidValidity !== undefined && (await emailRepo.seenUid(this.db, src.mailboxId, src.uidValidity, src.uid))) {
      return { done: true, out: { status: 'duplicate' } };
    }
    if (raw.length > this.opts.maxBytes) return { done: 'quarantine', raw, src, mail: null, reason: `message is ${raw.length} bytes, larger than the limit of ${this.opts.maxBytes}` };
    let mail: ParsedEmail;
    try {
      mail = await parseEmail(raw);
    } catch (e) {
      return { done: 'quarantine', raw, src, mail: null, reason: `unparseable MIME: ${e instanceof Error ? e.message : String(e)}` };
    }
    // Settings and our own addresses are read before the transaction (PGlite has one connection).
    const [ours, policy] = await Promise.all([this.#ours(), this.#policy(src.mailboxId)]);
    // Attachments go to disk through the file service before the transaction (no I/O inside it).
    const prepared = await this.#prepareAttachments(mail, ours);
    return { done: false, raw, src, mail, ours, policy, prepared };
  }

  async #commitOne(p: Ready): Promise<IngestOutcome> {
    try {
      const out = await this.db.transaction().execute((trx) => this.#process(trx, p));
      if (out.status !== 'created' && out.status !== 'commented') await this.files?.discardPrepared([...p.prepared.values()]);
      this.afterCommit?.();
      return out;
    } catch (e) {
      await this.files?.discardPrepared([...p.prepared.values()]);
      if (isConnectionError(e)) throw e;
      log.warn('email quarantined', { messageId: p.mail.messageId, channel: p.src.channel, error: e instanceof Error ? e.message : String(e) });
      return this.#quarantine(p.raw, p.src, p.mail, e instanceof Error ? e.message : String(e));
    }
  }

  /** Stores the attachments of a message that will become a ticket or comment; index → file. Refused ones (type, size) keep only their metadata. */
  async #prepareAttachments(mail: ParsedEmail, ours: { addresses: string[]; messageIdDomain: string | null }): Promise<Map<number, PreparedFile>> {
    const out = new Map<number, PreparedFile>();
    if (!this.files || !mail.attachments.length || !mail.from) return out;
    const c = classify(
      { headers: mail.headers, contentType: mail.contentType, fromAddress: mail.from.address, messageId: mail.hadMessageId ? mail.messageId : null },
      { ownAddresses: ours.addresses, ownMessageIdDomain: ours.messageIdDomain, loopToken: this.opts.loopToken }
    );
    if (c.kind !== 'normal') return out;
    const policy = await this.files.uploadPolicy();
    for (const [i, a] of mail.attachments.entries()) {
      try {
        const r = await this.files.prepareBytes(a.content, a.fileName, policy);
        if (r.ok) out.set(i, r.file);
        else log.info('email attachment not stored', { messageId: mail.messageId, name: a.fileName, reason: r.reason });
      } catch (e) {
        await this.files.discardPrepared([...out.values()]);
        throw e;
      }
    }
    return out;
  }

  /** A message too large to download: recorded as quarantined (it stays in the mailbox); the watermark moves on. */
  recordOversize(src: IngestSource, size: number): Promise<IngestOutcome> {
    const key = `${src.mailboxId}:${src.uidValidity ?? ''}:${src.uid ?? src.uidl ?? ''}`;
    const sha = createHash('sha256').update(`oversize:${key}`).digest('hex');
    return this.#quarantine(Buffer.alloc(0), src, null, `message is ${size} bytes, larger than the limit of ${this.opts.maxBytes}; left in the mailbox`, sha);
  }

  /** `inserted`: the batch already inserted the message row (id null: it was recorded before). */
  async #process(trx: Kysely<DB>, { raw, mail, src, ours, policy, prepared }: Ready, principals?: Map<string, PrincipalRow>, inserted?: { id: string | null }): Promise<IngestOutcome> {
    // The message row and its raw bytes in one statement (nothing when the message was seen before).
    const row = inserted ? (inserted.id ? { id: inserted.id } : undefined) : await emailRepo.insertMessageWithRaw(trx, this.#row(mail, src, raw.length, 'received'), raw);
    if (src.mailboxId && src.uid !== undefined && src.uidValidity !== undefined) {
      const mark = { mailboxId: src.mailboxId, uidValidity: src.uidValidity, uid: src.uid };
      // In a batch (a poll's group): one update to the highest UID, at the end.
      if (!hold(trx, 'email.watermark', mark, advanceWatermarks)) await emailRepo.advanceWatermark(trx, mark.mailboxId, mark.uidValidity, mark.uid);
    }
    if (!row) return { status: 'duplicate' };
    const emailId = row.id;

    const c = classify(
      { headers: mail.headers, contentType: mail.contentType, fromAddress: mail.from?.address ?? null, messageId: mail.hadMessageId ? mail.messageId : null },
      { ownAddresses: ours.addresses, ownMessageIdDomain: ours.messageIdDomain, loopToken: this.opts.loopToken }
    );
    if (c.kind !== 'normal' || !mail.from) {
      const reason = c.reason ?? 'no sender address';
      await this.#finish(trx, emailId, { status: 'ignored', classification: c.kind, error: reason });
      return { status: 'ignored', emailId, classification: c.kind, reason };
    }

    const ctx = await this.#senderContext(trx, mail.from, principals);
    const t = onlineTiming();
    const match = await this.#thread(trx, mail, ctx);
    let ticketId: string | null = match?.ticketId ?? null;
    let followUpOf: string | undefined;
    if (match) {
      const ticket = await ticketsEmailRepo.byId(trx, match.ticketId);
      if (ticket?.status === 'closed' && policy.closedTicketPolicy === 'new_linked') {
        followUpOf = ticket.id;
        ticketId = null;
      } else if (ticket && (ticket.status === 'closed' || ticket.status === 'resolved')) {
        await this.tickets.reopenFromEmail(ctx, ticket.id, t, trx);
      }
    }

    const attachments = async (ticket: string, comment: string | null) => {
      const stored = mail.attachments.flatMap((a, i) => (prepared.has(i) ? [{ ...prepared.get(i)!, inline: a.inline }] : []));
      await this.files?.recordEmailFiles(trx, ctx, stored, { ticketId: ticket, commentId: comment });
      await emailRepo.insertAttachments(
        trx,
        mail.attachments.map((a, i) => ({ email_message_id: emailId, ticket_id: ticket, comment_id: comment, file_name: a.fileName.slice(0, 255), mime_type: a.mimeType, size_bytes: a.size, sha256: a.sha256, content_id: a.contentId, inline: a.inline, file_id: prepared.get(i)?.id ?? null }))
      );
    };
    // Inline images (cid:) point at their stored file; the download route checks access.
    const cids = new Map(mail.attachments.flatMap((a, i) => (a.contentId && prepared.has(i) ? [[a.contentId.toLowerCase(), `/api/v1/files/${prepared.get(i)!.id}`] as const] : [])));
    const html = mail.html && cids.size ? mail.html.replace(/src="cid:([^"]+)"/gi, (m, id: string) => { const u = cids.get(id.replace(/&amp;/g, '&').toLowerCase()); return u ? `src="${u}"` : m; }) : mail.html;

    if (ticketId && match) {
      const commentId = uuidv7();
      const body = trimQuoted(mail.text) || '(empty message)';
      await this.tickets.addEmailComment(ctx, { id: commentId, ticketId, body: body.slice(0, 100_000), bodyHtml: null, emailMessageId: emailId, verifiedThread: match.by !== 'subject_token' }, t, trx);
      await attachments(ticketId, commentId);
      await this.#finish(trx, emailId, { status: 'processed', classification: 'normal', ticket_id: ticketId, comment_id: commentId });
      return { status: 'commented', emailId, ticketId, commentId, matchedBy: match.by };
    }

    const id = uuidv7();
    const created = await this.tickets.createFromEmail(
      ctx,
      {
        id,
        subject: cleanSubject(mail.subject),
        description: (mail.text || '(empty message)').slice(0, 100_000),
        descriptionHtml: html,
        ccEmails: mail.cc.filter((a) => !ours.addresses.includes(a) && a !== mail.from!.address),
        typeId: policy.defaultTypeId,
        teamId: policy.defaultTeamId
      },
      t,
      trx
    );
    if (followUpOf) await this.tickets.linkEmailFollowUp(ctx, id, followUpOf, t, trx);
    await attachments(id, null);
    await this.#finish(trx, emailId, { status: 'processed', classification: 'normal', ticket_id: id });
    // The acknowledgement answers the message itself, so the requester's client threads it.
    await this.mailer?.ticketMail(trx, 'ticket.received', id, {
      ...(mail.hadMessageId ? { inReplyTo: mail.messageId, references: [...mail.references, mail.messageId] } : {}),
      // Known here: saves reading the ticket back.
      ticket: { number: created.number, subject: created.subject, requesterId: ctx.actor.id, requesterEmail: ctx.actor.email, requesterName: ctx.actor.name, ccEmails: [] }
    });
    return { status: 'created', emailId, ticketId: id, number: created.number, followUpOf };
  }

  /** The message's final status: written now, or with the batch's others at its end (held). */
  async #finish(trx: Kysely<DB>, id: string, set: FinishSet) {
    if (!hold(trx, HELD_FINISH, { ...set, id, processed_at: new Date() }, (db, rows) => emailRepo.finishMany(db, rows))) await emailRepo.finish(trx, id, set);
  }

  /** The sender as an actor: their account, or a Requester created now (no password). */
  async #senderContext(trx: Kysely<DB>, from: { address: string; name: string | null }, known?: Map<string, PrincipalRow>): Promise<RequestContext> {
    // One statement for a known sender (the principal with roles and permissions, by address); none when the batch read it.
    const key = from.address.toLowerCase();
    let principal = known ? known.get(key) : await authRepo.principalByEmail(trx, from.address);
    if (!principal) {
      const name = (from.name ?? from.address.split('@')[0]).replace(/[\r\n]/g, ' ').trim().slice(0, 200) || from.address;
      await emailRepo.createRequester(trx, { id: uuidv7(), email: from.address, name });
      principal = await authRepo.principalByEmail(trx, from.address);
      if (principal) known?.set(key, principal);
    }
    if (!principal || principal.status !== 'active') throw new Error(`sender ${from.address} has an inactive account`);
    // The sender is authenticated only by the mail channel: 'bearer' marks a non-cookie, non-system actor.
    return { actor: toActor(principal, 'bearer'), source: 'email' };
  }

  /** Threading, strongest evidence first: our Message-ID store → In-Reply-To/References → signed reply address → subject token. */
  async #thread(trx: Kysely<DB>, mail: ParsedEmail, ctx: RequestContext): Promise<{ ticketId: string; by: ThreadMatch } | null> {
    const ids = [...(mail.inReplyTo ? [mail.inReplyTo] : []), ...[...mail.references].reverse()];
    // A message earlier in the same batch may be the one this answers: its held status (ticket) first.
    if (ids.length) await flushHeld(trx);
    const byId = await emailRepo.threadByMessageIds(trx, ids);
    if (byId?.ticket_id) return { ticketId: await this.#unmerged(trx, byId.ticket_id), by: 'message_id' };
    for (const addr of mail.recipients) {
      const n = verifyReplyAddress(this.opts.secret, addr);
      const t = n ? await ticketsEmailRepo.byNumber(trx, n) : undefined;
      if (t) return { ticketId: await this.#unmerged(trx, t.id), by: 'reply_address' };
    }
    const n = subjectTicketNumber(mail.subject);
    if (n) {
      const t = await ticketsEmailRepo.byNumber(trx, n);
      // A bare [#123] proves nothing: only the requester, someone copied, or an agent may post through it.
      const email = ctx.actor.email.toLowerCase();
      if (t && (can(ctx.actor, 'tickets.read', { requesterId: t.requester_id }) || t.cc_emails.includes(email))) {
        return { ticketId: await this.#unmerged(trx, t.id), by: 'subject_token' };
      }
    }
    return null;
  }

  async #unmerged(trx: Kysely<DB>, id: string): Promise<string> {
    let cur = id;
    for (let i = 0; i < 5; i++) {
      const t = await ticketsEmailRepo.byId(trx, cur);
      if (!t?.merged_into_id) return cur;
      cur = t.merged_into_id;
    }
    return cur;
  }

  #row(mail: ParsedEmail | null, src: IngestSource, size: number, status: 'received' | 'failed', sha?: string) {
    return {
      direction: 'in' as const,
      mailbox_id: src.mailboxId ?? null,
      message_id: mail?.messageId ?? `${sha}@outpost.invalid`,
      in_reply_to: mail?.inReplyTo ?? null,
      references: mail?.references ?? [],
      uid: src.uid ?? null,
      uid_validity: src.uidValidity ?? null,
      uidl: src.uidl ?? null,
      from_address: mail?.from?.address ?? null,
      from_name: mail?.from?.name?.slice(0, 300) ?? null,
      to_addresses: mail?.to ?? [],
      cc_addresses: mail?.cc ?? [],
      reply_to: mail?.replyTo ?? null,
      subject: mail?.subject.slice(0, 1000) ?? null,
      size_bytes: size,
      content_sha256: mail?.sha256 ?? sha ?? null,
      status,
      received_at: new Date()
    };
  }

  /** Records a message that could not be processed, with the reason, keeping its raw bytes; the watermark moves on. */
  async #quarantine(raw: Buffer, src: IngestSource, mail: ParsedEmail | null, reason: string, shaOverride?: string): Promise<IngestOutcome> {
    const sha = shaOverride ?? mail?.sha256 ?? createHash('sha256').update(raw).digest('hex');
    // NUL cannot be stored in PostgreSQL text (a header carrying one is why some messages land
    // here): the quarantine row drops it, so such a message is kept instead of refused forever.
    const nul = (v: string) => v.split('\u0000').join('');
    const opt = (v: string | null) => (v === null ? null : nul(v));
    const r = this.#row(mail, src, raw.length, 'failed', sha);
    const fields = {
      ...r,
      message_id: nul(r.message_id),
      in_reply_to: opt(r.in_reply_to),
      references: r.references.map(nul),
      from_address: opt(r.from_address),
      from_name: opt(r.from_name),
      to_addresses: r.to_addresses.map(nul),
      cc_addresses: r.cc_addresses.map(nul),
      reply_to: opt(r.reply_to),
      subject: opt(r.subject),
      content_sha256: sha,
      error: nul(reason).slice(0, 2000),
      processed_at: new Date()
    };
    return this.db.transaction().execute(async (trx) => {
      const row = await emailRepo.insertMessage(trx, fields);
      if (src.mailboxId && src.uid !== undefined && src.uidValidity !== undefined) await emailRepo.advanceWatermark(trx, src.mailboxId, src.uidValidity, src.uid);
      if (!row) return { status: 'duplicate' as const };
      await emailRepo.insertRaw(trx, row.id, raw);
      return { status: 'failed' as const, emailId: row.id, reason };
    });
  }
}

/** The held watermarks of a batch: each mailbox (and UIDVALIDITY) advanced once, to its highest UID. */
async function advanceWatermarks(trx: Kysely<DB>, marks: { mailboxId: string; uidValidity: number; uid: number }[]) {
  const top = new Map<string, { mailboxId: string; uidValidity: number; uid: number }>();
  for (const m of marks) {
    const k = `${m.mailboxId}:${m.uidValidity}`;
    if ((top.get(k)?.uid ?? -1) < m.uid) top.set(k, m);
  }
  for (const m of top.values()) await emailRepo.advanceWatermark(trx, m.mailboxId, m.uidValidity, m.uid);
}

function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code ?? '';
  return /^(08|57P)/.test(code) || /ECONNREFUSED|ECONNRESET|Connection terminated/i.test(e instanceof Error ? e.message : '');
}
