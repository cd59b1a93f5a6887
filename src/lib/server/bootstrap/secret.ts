import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { log } from '../log';

/** OUTPOST_SECRET, or a key generated once and kept in the data directory (0600). */
export function resolveSecret(envSecret: string | undefined, dataDir: string, multiInstance: boolean): string {
  if (envSecret) return envSecret;
  const file = path.join(dataDir, 'secret.key');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    /* first start */
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  if (multiInstance) log.warn('OUTPOST_SECRET is not set; generated one in the data directory. Set OUTPOST_SECRET when running several app instances.', { file });
  return secret;
}
