// What a client device would hold: a real `@electric-sql/client` ShapeStream applied to a map
// (insert = upsert, update = merge, delete, must-refetch clears), for the sync protocol tests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ShapeStream, isChangeMessage, isControlMessage, type Message, type Row as ERow } from '@electric-sql/client';

export interface ShapeEndpoint {
  url(): string;
  headers(): Record<string, string>;
}

export class Replica {
  rows = new Map<string, Record<string, unknown>>();
  batches: Message<ERow>[][] = [];
  refetches = 0;
  upToDates = 0;
  error: unknown;
  readonly stream: ShapeStream;
  private ac = new AbortController();
  constructor(h: ShapeEndpoint, params: Record<string, string>, extra: { offset?: string; handle?: string } = {}) {
    this.stream = new ShapeStream({
      url: h.url(),
      headers: h.headers(),
      params: params as any,
      signal: this.ac.signal,
      ...(extra.offset ? { offset: extra.offset as any, handle: extra.handle } : {}),
      onError: (e) => {
        this.error = e;
      }
    });
    this.stream.subscribe(
      (msgs) => this.apply(msgs),
      (e) => {
        this.error = e;
      }
    );
  }
  apply(msgs: Message<ERow>[]) {
    this.batches.push(msgs);
    for (const m of msgs) {
      if (isChangeMessage(m)) {
        const op = m.headers.operation;
        if (op === 'insert') this.rows.set(m.key, { ...m.value });
        else if (op === 'update') this.rows.set(m.key, { ...(this.rows.get(m.key) ?? {}), ...m.value });
        else this.rows.delete(m.key);
      } else if (isControlMessage(m)) {
        if (m.headers.control === 'must-refetch') {
          this.rows.clear();
          this.refetches++;
        } else if (m.headers.control === 'up-to-date') this.upToDates++;
      }
    }
  }
  changes() {
    return this.batches.flat().filter(isChangeMessage);
  }
  byId(id: string) {
    return [...this.rows.values()].find((r) => r.id === id);
  }
  stop() {
    this.ac.abort();
    this.stream.unsubscribeAll();
  }
}

export async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 15_000, rep?: Replica) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    if (rep?.error) throw rep.error;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A plain node:http server in front of an in-process engine (`handle` answers one shape request). */
export async function serveShapes(handle: (url: URL, signal: AbortSignal) => Promise<Response>): Promise<{ base: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    handle(new URL(req.url ?? '/', 'http://localhost'), ac.signal)
      .then(async (r) => {
        res.writeHead(r.status, Object.fromEntries(r.headers));
        res.end(await r.text());
      })
      .catch((e) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(e) }));
      });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close() {
      server.closeAllConnections();
      server.close();
    }
  };
}
