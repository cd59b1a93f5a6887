// IMAP intake (imapflow): one long-lived connection per mailbox, IDLE for prompt arrival plus a
// periodic poll as the safety net. Messages are taken in UID order above the mailbox's watermark,
// fetched and committed in groups (one FETCH and one transaction per group of up to
// POLL_GROUP messages, ingestMany); a broken or huge message is quarantined on its own and the rest
// continue. Archive/delete happens only after the message's transaction committed; a crash in
// between is repaired on the next poll (recorded UIDs still in the folder get their post-import
// action again), so nothing is imported twice.
import { ImapFlow } from 'imapflow';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { EmailIngestService, IngestOutcome } from './ingest';
import { POLL_GROUP, POLL_GROUP_BYTES, type MailboxConnection, type MailboxOptions } from './mailbox-config';
import { emailRepo } from './repository';

export function imapClient(c: MailboxConnection): ImapFlow {
  return new ImapFlow({
    host: c.host,
    port: c.port,
    secure: c.security === 'tls',
    doSTARTTLS: c.security === 'starttls' ? true : c.security === 'none' ? false : undefined,
    auth: c.accessToken ? { user: c.user, accessToken: c.accessToken } : { user: c.user, pass: c.password ?? '' },
    tls: { rejectUnauthorized: c.verifyTls },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 15_000,
    greetingTimeout: 10_000,
    socketTimeout: 5 * 60_000
  });
}

/** The server's own words for a failure (imapflow keeps them apart from its summary). */
export function imapError(e: unknown): string {
  const x = e as { responseText?: string; message?: string; code?: string; authenticationFailed?: boolean } | null;
  const parts = [x?.authenticationFailed ? 'authentication failed' : null, x?.responseText, x?.code, x?.message].filter(Boolean);
  return [...new Set(parts)].join(': ') || String(e);
}

/** Connects, logs in and opens the folder: what "test connection" reports. */
export async function testImap(c: MailboxConnection, folder: string): Promise<{ ok: true; messages: number; capabilities: string[] } | { ok: false; error: string }> {
  const client = imapClient(c);
  client.on('error', () => {});
  try {
    await client.connect();
    const box = await client.mailboxOpen(folder, { readOnly: true });
    return { ok: true, messages: box.exists, capabilities: [...client.capabilities.keys()].slice(0, 40) };
  } catch (e) {
    return { ok: false, error: imapError(e) };
  } finally {
    await client.logout().catch(() => client.close());
  }
}

export interface PollResult {
  fetched: number;
  outcomes: IngestOutcome[];
}

/** One pass over the folder on an open client. */
export async function pollImap(args: { db: Kysely<DB>; ingest: EmailIngestService; client: ImapFlow; mailboxId: string; options: MailboxOptions; maxBytes: number; stopped?: () => boolean }): Promise<PollResult> {
  const { db, ingest, client, mailboxId, options } = args;
  const box = client.mailbox;
  if (!box) throw new Error('no mailbox open');
  const uidValidity = Number(box.uidValidity);
  const row = await emailRepo.mailbox(db, mailboxId);
  const last = row && Number(row.uid_validity) === uidValidity ? Number(row.last_uid ?? 0) : 0;
  const postAction = !!options.processedFolder || options.deleteAfterImport;
  const out: PollResult = { fetched: 0, outcomes: [] };
  if (!box.exists) return out;

  // Without a post-import action only UIDs above the watermark are new; with one, anything still
  // in the folder is either new or already imported and waiting for its move/delete.
  const range = postAction ? '1:*' : `${last + 1}:*`;
  const listed = (await client.fetchAll(range, { uid: true, size: true }, { uid: true })).filter((m) => postAction || m.uid > last).sort((a, b) => a.uid - b.uid);
  const seen = new Set((await emailRepo.seenUids(db, mailboxId, uidValidity, listed.filter((m) => m.uid <= last).map((m) => m.uid))).map((r) => Number(r.uid)));

  // A group is fetched in one command and committed in one transaction, in UID order; anything
  // else (an oversize message, a repaired post-import action) waits until the group before it committed.
  let group: number[] = [];
  let groupBytes = 0;
  const flush = async () => {
    const uids = group;
    group = [];
    groupBytes = 0;
    if (!uids.length) return;
    const fetched = (await client.fetchAll(uids.join(','), { uid: true, source: true }, { uid: true })).filter((m) => m.source).sort((a, b) => a.uid - b.uid);
    out.fetched += fetched.length;
    const outcomes = await ingest.ingestMany(fetched.map((m) => ({ raw: m.source!, src: { channel: 'imap' as const, mailboxId, uid: m.uid, uidValidity } })));
    out.outcomes.push(...outcomes);
    if (postAction) for (const m of fetched) await afterImport(client, m.uid, options);
  };
  for (const m of listed) {
    if (args.stopped?.()) break;
    if (m.uid <= last && seen.has(m.uid)) {
      await flush();
      await afterImport(client, m.uid, options);
      continue;
    }
    if ((m.size ?? 0) > args.maxBytes) {
      await flush();
      // Never downloaded: recorded as quarantined, left in the mailbox for an admin.
      out.outcomes.push(await ingest.recordOversize({ channel: 'imap', mailboxId, uid: m.uid, uidValidity }, m.size ?? 0));
      continue;
    }
    if (group.length && (group.length >= POLL_GROUP || groupBytes + (m.size ?? 0) > POLL_GROUP_BYTES)) await flush();
    group.push(m.uid);
    groupBytes += m.size ?? 0;
  }
  if (!args.stopped?.()) await flush();
  return out;
}

async function afterImport(client: ImapFlow, uid: number, o: MailboxOptions) {
  if (o.processedFolder) await client.messageMove(String(uid), o.processedFolder, { uid: true });
  else if (o.deleteAfterImport) await client.messageDelete(String(uid), { uid: true });
}
