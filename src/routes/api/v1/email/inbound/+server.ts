// Raw MIME in, one message per request; the body is read up to the email size limit.
import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';
import { readRawBody } from '$lib/server/email/http';

export const POST = handle(ops.emailInbound, async ({ event }) => {
  const a = await app();
  const secret = event.request.headers.get('x-outpost-email-secret');
  const raw = await readRawBody(event.request, a.config.OUTPOST_EMAIL_MAX_BYTES);
  const r = await a.email.ingestWebhook(secret, raw);
  return {
    status: r.status,
    ticket_id: r.status === 'created' || r.status === 'commented' ? r.ticketId : null,
    reason: r.status === 'ignored' || r.status === 'failed' ? r.reason : null
  };
});
