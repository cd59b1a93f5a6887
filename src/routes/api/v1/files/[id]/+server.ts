// GET /api/v1/files/{id}: the bytes, as an attachment, after the owning record's permission check.
import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';
import { contentDisposition } from '$lib/domain/files/names';

export const GET = handle(ops.downloadFile, async ({ event, ctx, params }) => {
  const d = await (await app()).files.download(ctx, params.id, event.request.headers.get('range'));
  const headers: Record<string, string> = {
    'content-type': d.contentType,
    'content-length': String(d.length),
    'content-disposition': contentDisposition(d.meta.name),
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    'cache-control': 'private, no-cache',
    'accept-ranges': 'bytes',
    ...(d.meta.sha256 ? { etag: `"${d.meta.sha256}"`, 'x-checksum-sha256': d.meta.sha256 } : {}),
    ...(d.range ? { 'content-range': `bytes ${d.range.start}-${d.range.end}/${d.meta.sizeBytes}` } : {})
  };
  return new Response(d.body, { status: d.status, headers });
});
