// Child process of sync-latency.mjs: the *other* clients. Opens N live `tickets` ShapeStreams over
// one `/ws` socket (as N devices' worth of server load) and keeps them live until killed, so the
// measured device in the parent process does not pay for parsing their responses — as on a real
// deployment, where each of those streams is another person's browser on another machine.
// Prints "ready" on stdout once every stream is up to date, then "seen <n>" per 50 changes.
// Usage (from sync-latency.mjs): node tests/bench/sync-latency-others.mjs <server url> <token> <n>
import WebSocket from 'ws';
import { register } from 'tsx/esm/api';
import { ShapeStream, isChangeMessage } from '@electric-sql/client';

register();
const { LiveMux } = await import('../../sync/client/live-mux.ts');
const [url, token, nArg] = process.argv.slice(2);
const n = Number(nArg);
const mux = new LiveMux({
  connect: () => new WebSocket(url.replace(/^http/, 'ws') + '/ws', { headers: { authorization: `Bearer ${token}` } }),
  fallback: (...a) => fetch(...a)
});
let ready = 0;
let seen = 0;
for (let s = 0; s < n; s++) {
  const stream = new ShapeStream({ url: `${url}/api/sync/shape`, headers: { authorization: `Bearer ${token}` }, params: { shape: 'tickets' }, fetchClient: mux.fetch });
  let up = false;
  stream.subscribe((msgs) => {
    for (const m of msgs) {
      if (isChangeMessage(m)) seen++;
      else if (!up && m.headers?.control === 'up-to-date') {
        up = true;
        if (++ready === n) process.stdout.write('ready\n');
      }
    }
  });
}
process.on('SIGTERM', () => {
  process.stdout.write(`seen ${seen}\n`);
  mux.close();
  process.exit(0);
});
