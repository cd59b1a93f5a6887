// Process configuration, read from the environment once at boot and validated with zod.
// Everything an admin may change at run time lives in `system_settings`, not here.
import { z } from 'zod';
import path from 'node:path';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  OUTPOST_DATA_DIR: z.string().min(1).default('storage'),
  OUTPOST_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  OUTPOST_ADMIN_EMAIL: z.email().optional(),
  OUTPOST_ADMIN_PASSWORD: z.string().min(1).optional(),
  OUTPOST_DEMO: bool,
  OUTPOST_ACCESS_TTL: z.coerce.number().int().min(1).max(86_400).default(900),
  OUTPOST_JSON_LIMIT: z.coerce.number().int().min(1024).default(1024 * 1024),
  OUTPOST_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  OUTPOST_MIGRATE_ONLY: bool,
  OUTPOST_PUBLIC_URL: z.url().optional(),
  OUTPOST_TRUST_PROXY: bool,
  /** Production read path: the real Electric sync service behind our gatekeeper. */
  ELECTRIC_URL: z.url().optional(),
  ELECTRIC_SECRET: z.string().min(1).optional(),
  /** Background jobs: `embedded` runs the pg-boss workers in the web process; `external` leaves them to `npm run workers`. */
  OUTPOST_WORKERS: z.enum(['embedded', 'external']).default('embedded'),
  /** Seconds between pg-boss polls of each queue. */
  OUTPOST_JOBS_POLL_SECONDS: z.coerce.number().min(0.5).max(60).default(2),
  // email: credentials key (hex/base64 32 bytes or a passphrase; default derived from the app
  // secret), older keys still accepted during rotation, and the inbound SMTP server.
  OUTPOST_EMAIL_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  OUTPOST_EMAIL_KEY_PREVIOUS: z.string().optional(),
  /** AI assistant: Groq base URL (host root) when the admin setting names none; tests point it at a local fake. */
  OUTPOST_GROQ_BASE_URL: z.string().url('must be a URL').optional(),
  OUTPOST_EMAIL_POLLING: z.enum(['0', '1']).default('1'),
  OUTPOST_EMAIL_MAX_BYTES: z.coerce.number().int().min(1024).default(40 * 1024 * 1024),
  /** Inbound SMTP server port (0: any free port, logged); unset = no SMTP server. */
  OUTPOST_SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  OUTPOST_SMTP_HOST: z.string().min(1).default('0.0.0.0'),
  OUTPOST_SMTP_TLS_KEY: z.string().min(1).optional(),
  OUTPOST_SMTP_TLS_CERT: z.string().min(1).optional(),
  /** `user:password` required from SMTP clients (optional; without it the server accepts mail for our domains only). */
  OUTPOST_SMTP_AUTH: z.string().regex(/^[^:]+:.+$/, 'must be user:password').optional()
});

export type Config = z.infer<typeof ConfigSchema> & { dataDir: string };

let cached: Config | undefined;

/** Parses the environment; exits with every bad variable listed (never their values). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set" (as in `DATABASE_URL= npm start`).
  const parsed = ConfigSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.OUTPOST_DATA_DIR) };
}

export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
