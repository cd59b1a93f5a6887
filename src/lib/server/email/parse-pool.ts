// mailparser off the event loop for large messages: decoding a 10 MB base64 attachment, hashing it
// and assembling the parts blocks a thread for hundreds of milliseconds. Messages above
// WORKER_THRESHOLD are parsed in a small worker_threads pool; attachment bytes come back
// transferred (no copy). Small messages parse inline: a round trip to a worker would cost more
// than the parse itself. The worker is evaluated from source (no separate file for the bundler to
// place) and loads mailparser from the path resolved here.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import os from 'node:os';
import type { ParsedMail } from 'mailparser';

export const WORKER_THRESHOLD = 256 * 1024;

/** What the ingest needs from mailparser's result, in a form that crosses threads. */
export interface RawParsed {
  headerLines: ParsedMail['headerLines'];
  messageId?: string;
  from?: ParsedMail['from'];
  to?: ParsedMail['to'];
  cc?: ParsedMail['cc'];
  replyTo?: ParsedMail['replyTo'];
  inReplyTo?: string;
  references?: string | string[];
  subject?: string;
  date?: Date;
  text?: string;
  html: string | false;
  contentType: unknown;
  attachments: { filename?: string; contentType: string; size: number; contentId?: string; contentDisposition?: string; sha256: string; content: Buffer }[];
  rawSha256: string;
}

// CommonJS, evaluated in the worker. Mirrors toRawParsed() below.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { simpleParser } = require(workerData.mailparser);
parentPort.on('message', async ({ id, raw, options }) => {
  try {
    const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    const rawSha256 = createHash('sha256').update(buf).digest('hex');
    const m = await simpleParser(buf, options);
    const transfer = [];
    const attachments = m.attachments.map((a) => {
      const c = a.content;
      // Only a buffer that owns its whole ArrayBuffer may be transferred (pooled ones are shared).
      if (c.byteOffset === 0 && c.byteLength === c.buffer.byteLength && !transfer.includes(c.buffer)) transfer.push(c.buffer);
      return { filename: a.filename, contentType: a.contentType, size: a.size ?? c.length, contentId: a.contentId, contentDisposition: a.contentDisposition, sha256: createHash('sha256').update(c).digest('hex'), content: new Uint8Array(c.buffer, c.byteOffset, c.byteLength) };
    });
    const out = { headerLines: m.headerLines, messageId: m.messageId, from: m.from, to: m.to, cc: m.cc, replyTo: m.replyTo, inReplyTo: m.inReplyTo, references: m.references, subject: m.subject, date: m.date, text: m.text, html: m.html, contentType: m.headers.get('content-type'), attachments, rawSha256 };
    parentPort.postMessage({ id, ok: true, out }, transfer);
  } catch (e) {
    parentPort.postMessage({ id, ok: false, error: e && e.message ? e.message : String(e) });
  }
});
`;

interface Slot {
  worker: Worker;
  busy: number;
}

type Pending = { resolve: (v: RawParsed) => void; reject: (e: Error) => void; slot: Slot };

export class ParsePool {
  #slots: Slot[] = [];
  #pending = new Map<number, Pending>();
  #next = 1;
  readonly size: number;

  constructor(size = Math.max(1, Math.min(2, os.availableParallelism?.() ?? os.cpus().length))) {
    this.size = size;
  }

  #spawn(): Slot {
    const mailparser = createRequire(import.meta.url).resolve('mailparser');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { mailparser } });
    worker.unref();
    const slot: Slot = { worker, busy: 0 };
    worker.on('message', (msg: { id: number; ok: boolean; out?: RawParsed; error?: string }) => {
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      p.slot.busy--;
      if (msg.ok && msg.out) {
        msg.out.attachments = msg.out.attachments.map((a) => ({ ...a, content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength) }));
        p.resolve(msg.out);
      } else p.reject(new Error(msg.error ?? 'parse failed'));
    });
    // A crashed worker fails what it held and is replaced on the next parse.
    worker.on('error', (e) => this.#drop(slot, e));
    worker.on('exit', (code) => this.#drop(slot, new Error(`parse worker exited with ${code}`)));
    this.#slots.push(slot);
    return slot;
  }

  #drop(slot: Slot, e: Error) {
    this.#slots = this.#slots.filter((s) => s !== slot);
    for (const [id, p] of this.#pending) {
      if (p.slot === slot) {
        this.#pending.delete(id);
        p.reject(e);
      }
    }
  }

  parse(raw: Buffer, options: Record<string, unknown>): Promise<RawParsed> {
    const idle = this.#slots.find((s) => s.busy === 0);
    const slot = idle ?? (this.#slots.length < this.size ? this.#spawn() : this.#slots.reduce((a, b) => (a.busy <= b.busy ? a : b)));
    slot.busy++;
    const id = this.#next++;
    return new Promise<RawParsed>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, slot });
      // A copy of exactly these bytes is transferred (the caller keeps the raw message for the raw store).
      const copy = new Uint8Array(raw);
      slot.worker.postMessage({ id, raw: copy, options }, [copy.buffer]);
    });
  }

  async close() {
    const slots = this.#slots;
    this.#slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

const POOL = Symbol.for('outpost.email.parsePool');
type G = typeof globalThis & { [POOL]?: ParsePool };
export const parsePool = (): ParsePool => ((globalThis as G)[POOL] ??= new ParsePool());
