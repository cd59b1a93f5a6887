import type { Config } from '../config';

/** Absolute base of links in mail: OUTPOST_PUBLIC_URL, else this server on localhost. */
export function publicBaseUrl(cfg: Pick<Config, 'OUTPOST_PUBLIC_URL'>): string {
  return cfg.OUTPOST_PUBLIC_URL?.replace(/\/$/, '') ?? `http://localhost:${process.env.PORT && process.env.PORT !== '0' ? process.env.PORT : '3000'}`;
}
