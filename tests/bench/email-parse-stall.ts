// Event-loop stalls while the ingest parses a message with a 10 MB attachment, through the real
// parseEmail (worker pool for large messages) and, for comparison, inline on the main thread.
// Run by email-ingest.mjs (needs tsx for the $lib imports): node --import tsx tests/bench/email-parse-stall.ts
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseEmail } from '../../src/lib/server/email/parse';
import { parsePool } from '../../src/lib/server/email/parse-pool';

const big = Buffer.alloc(10 * 1024 * 1024);
for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
const b64 = big.toString('base64').replace(/.{76}/g, '$&\r\n');
const raw = Buffer.from(['From: a@customer.example', 'To: support@help.example.com', 'Subject: big', 'Message-ID: <big@customer.example>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'see attachment', '--b', 'Content-Type: application/octet-stream; name="big.bin"', 'Content-Transfer-Encoding: base64', '', b64, '--b--', ''].join('\r\n'));

async function measure(label: string, inline: boolean) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  h.enable();
  const t = performance.now();
  const parsed = await parseEmail(raw, { inline });
  const ms = performance.now() - t;
  h.disable();
  clearInterval(timer);
  console.log(
    `parse of a ${(raw.length / 1048576).toFixed(1)} MB message (10 MB attachment, ${parsed.attachments[0].size} bytes decoded) ${label} in ${ms.toFixed(0)} ms: longest event-loop stall ${worst.toFixed(1)} ms (ticking timer), ${(h.max / 1e6).toFixed(1)} ms (monitorEventLoopDelay max) (target ≤ 50 ms)`
  );
}

await measure('inline on the main thread (before)', true);
await parseEmail(raw); // warm the worker (thread start, mailparser load)
for (let i = 0; i < 3; i++) await measure(`through the ingest's parseEmail (worker pool), run ${i + 1}`, false);
await parsePool().close();
