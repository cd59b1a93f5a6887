// A mailbox row turned into what a client needs to connect (credential opened here, never logged).
import type { Selectable } from 'kysely';
import type { EmailConfigurationsTable } from '../db/schema-service-desk';
import { open, type KeyRing } from './secrets';

export type MailboxRow = Selectable<EmailConfigurationsTable>;

export interface MailboxConnection {
  host: string;
  port: number;
  security: 'none' | 'tls' | 'starttls';
  user: string;
  password?: string;
  accessToken?: string;
  /** Self-signed servers (tests, some on-premise Exchange) need this off; on by default. */
  verifyTls: boolean;
}

/** A poll fetches and commits up to this many messages together (their bytes held in memory meanwhile, POLL_GROUP_BYTES at most). */
export const POLL_GROUP = 50;
export const POLL_GROUP_BYTES = 16 * 1024 * 1024;

export interface MailboxOptions {
  folder: string;
  processedFolder: string | null;
  deleteAfterImport: boolean;
  pollIntervalMs: number;
  useIdle: boolean;
}

export function connectionOf(row: MailboxRow, ring: KeyRing): MailboxConnection {
  const secret = row.secret_encrypted ? open(ring, row.secret_encrypted) : undefined;
  const s = (row.settings ?? {}) as { verifyTls?: unknown };
  return {
    host: row.host ?? '127.0.0.1',
    port: row.port ?? (row.kind === 'pop3' ? (row.security === 'tls' ? 995 : 110) : row.security === 'tls' ? 993 : 143),
    security: row.security,
    user: row.username ?? '',
    password: row.auth_method === 'password' ? secret : undefined,
    accessToken: row.auth_method === 'oauth2' ? secret : undefined,
    verifyTls: s.verifyTls !== false
  };
}

export function optionsOf(row: MailboxRow): MailboxOptions {
  const s = (row.settings ?? {}) as { deleteAfterImport?: unknown };
  return {
    folder: row.folder || 'INBOX',
    processedFolder: row.processed_folder,
    deleteAfterImport: s.deleteAfterImport === true,
    pollIntervalMs: row.poll_interval_seconds * 1000,
    useIdle: row.use_idle
  };
}
