// One LISTEN for the real-time work of this instance: `outpost_changes` (the capture triggers:
// committed changes to read) and `outpost_presence` (presence of the other instances).
// PGlite: its in-process `listen`. PostgreSQL: a dedicated connection (LISTEN needs a session of
// its own, outside the pool) that reconnects after a loss and then calls onReconnect, since the
// notifications sent meanwhile are gone.

export interface ListenerOptions {
  engine: 'postgres' | 'pglite';
  databaseUrl?: string;
  pglite?: { listen(channel: string, cb: (payload: string) => void): Promise<unknown> };
  channels: Record<string, (payload: string) => void>;
  onReconnect?: () => void;
  log?: (level: 'info' | 'warn' | 'error', msg: string, data?: Record<string, unknown>) => void;
  retryMs?: number;
}

export class NotificationListener {
  #client: { end(): Promise<void> } | null = null;
  #stopped = false;
  #connected = false;

  constructor(private readonly o: ListenerOptions) {}

  get connected(): boolean {
    return this.#connected;
  }

  async start(): Promise<void> {
    if (this.o.engine === 'pglite' && this.o.pglite) {
      for (const [channel, fn] of Object.entries(this.o.channels)) await this.o.pglite.listen(channel, fn);
      this.#connected = true;
      return;
    }
    if (this.o.engine === 'postgres' && this.o.databaseUrl) await this.#connect(false);
  }

  async #connect(again: boolean): Promise<void> {
    if (this.#stopped) return;
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: this.o.databaseUrl, application_name: 'outpost-realtime-listen' });
    client.on('notification', (n) => this.o.channels[n.channel]?.(n.payload ?? ''));
    let lost = false;
    const onLost = (e?: Error) => {
      if (lost || this.#stopped) return;
      lost = true;
      this.#connected = false;
      this.o.log?.('warn', 'realtime LISTEN connection lost; reconnecting', { error: e?.message ?? 'connection ended' });
      client.end().catch(() => {});
      if (this.#client === client) this.#client = null;
      this.#retry();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    try {
      await client.connect();
    } catch (e) {
      lost = true; // the caller retries (or fails the boot on the first attempt)
      client.end().catch(() => {});
      throw e;
    }
    for (const channel of Object.keys(this.o.channels)) await client.query(`listen ${channel}`);
    if (this.#stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#connected = true;
    if (again) this.o.onReconnect?.();
  }

  #retry() {
    if (this.#stopped) return;
    const t = setTimeout(() => void this.#connect(true).catch(() => this.#retry()), this.o.retryMs ?? 1_000);
    t.unref?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#connected = false;
    await this.#client?.end().catch(() => {});
    this.#client = null;
  }
}
