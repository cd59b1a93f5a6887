// A small OAuth2 authorization server for the mail tests, on 127.0.0.1: it issues opaque bearer
// access tokens and answers RFC 7662 token introspection, which is how the test dovecot's oauth2
// passdb (.ci/services.sh) validates the token an IMAP client signs in with (XOAUTH2 or
// OAUTHBEARER). Tokens are issued in-process (`issue`, as an authorization server's token
// endpoint would after a grant), opaque random strings. Introspection:
//   POST /introspect, application/x-www-form-urlencoded `token=…[&token_type_hint=…]`, HTTP Basic
//   client authentication (RFC 7662 §2.1; 401 otherwise) →
//   { active: true, username, sub, scope, client_id, token_type: "Bearer", exp, iat } or { active: false }
// for an unknown, revoked or expired token (§2.2). Every introspection is recorded for assertions.
import http from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface IssuedToken {
  token: string;
  username: string;
  scope: string;
  clientId: string;
  iat: number;
  exp: number;
}

export interface Introspection {
  token: string;
  active: boolean;
  /** Whether the caller's client credentials were accepted. */
  authenticated: boolean;
}

export interface OAuth2Server {
  url: string;
  /** Issues an access token for a mail user; `expiresIn` seconds from now (negative: already expired). */
  issue(username: string, o?: { expiresIn?: number; scope?: string }): string;
  revoke(token: string): void;
  introspections: Introspection[];
  close(): Promise<void>;
}

/** Where the test dovecot asks (introspection_url of dovecot-oauth2.conf.ext next to its dovecot.conf). */
export function dovecotIntrospection(dovecotConf: string): { ok: true; port: number; clientId: string; clientSecret: string } | { ok: false; reason: string } {
  const file = path.join(path.dirname(dovecotConf), 'dovecot-oauth2.conf.ext');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { ok: false, reason: `${file} is missing: dovecot was started without the OAuth2 passdb (restart it: bash .ci/services.sh restart dovecot)` };
  }
  const m = /^\s*introspection_url\s*=\s*(\S+)/m.exec(text);
  if (!m) return { ok: false, reason: `${file} has no introspection_url` };
  const u = new URL(m[1]);
  if (u.hostname !== '127.0.0.1') return { ok: false, reason: `${file}: introspection_url is not on 127.0.0.1` };
  return { ok: true, port: Number(u.port), clientId: decodeURIComponent(u.username), clientSecret: decodeURIComponent(u.password) };
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export async function startOAuth2Server(o: { port: number; clients: Record<string, string>; host?: string }): Promise<OAuth2Server> {
  const tokens = new Map<string, IssuedToken>();
  const now = () => Math.floor(Date.now() / 1000);
  const state: OAuth2Server = {
    url: '',
    introspections: [],
    issue(username, opts = {}) {
      const token = randomBytes(24).toString('base64url');
      const iat = now();
      tokens.set(token, { token, username, scope: opts.scope ?? 'mail', clientId: Object.keys(o.clients)[0] ?? 'test', iat, exp: iat + (opts.expiresIn ?? 3600) });
      return token;
    },
    revoke(token) {
      tokens.delete(token);
    },
    close: async () => {}
  };
  /** The client named by HTTP Basic credentials, or null. */
  const client = (req: http.IncomingMessage): string | null => {
    const h = req.headers.authorization ?? '';
    if (!h.toLowerCase().startsWith('basic ')) return null;
    const [id, ...rest] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(':');
    const secret = o.clients[decodeURIComponent(id)];
    return secret !== undefined && same(secret, decodeURIComponent(rest.join(':'))) ? decodeURIComponent(id) : null;
  };
  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const route = new URL(req.url ?? '/', 'http://x').pathname;
      if (req.method !== 'POST' || route !== '/introspect') return send(res, 404, { error: 'not_found' });
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return send(res, 400, { error: 'invalid_request', error_description: 'expected application/x-www-form-urlencoded' });
      const who = client(req);
      const token = form.get('token') ?? '';
      if (!who) {
        state.introspections.push({ token, active: false, authenticated: false });
        return send(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="outpost-test"' });
      }
      if (!token) return send(res, 400, { error: 'invalid_request', error_description: 'token is required' });
      const t = tokens.get(token);
      const active = !!t && t.exp > now();
      state.introspections.push({ token, active, authenticated: true });
      if (!t || !active) return send(res, 200, { active: false });
      send(res, 200, { active: true, username: t.username, sub: t.username, scope: t.scope, client_id: t.clientId, token_type: 'Bearer', exp: t.exp, iat: t.iat });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  state.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : o.port}`;
  state.close = () => new Promise<void>((r) => server.close(() => r()));
  return state;
}
