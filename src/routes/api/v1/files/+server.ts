// POST /api/v1/files: the raw body is the file (streamed by the files service), named by
// `X-Filename`; see ops.uploadFile.
import { app } from '$lib/server/app';
import { handle, validationError } from '$lib/server/http/route';
import { ops } from '$lib/server/http/operations';
import { UploadHeaders } from '$lib/domain/files/schemas';
import { decodeHeaderName } from '$lib/domain/files/names';

export const POST = handle(ops.uploadFile, async ({ event, ctx }) => {
  const h = event.request.headers;
  const parsed = UploadHeaders.safeParse({ 'x-filename': h.get('x-filename') ?? undefined, 'x-file-id': h.get('x-file-id') ?? undefined, 'content-length': h.get('content-length') ?? undefined });
  if (!parsed.success) throw validationError(parsed.error);
  const { meta, created } = await (await app()).files.upload(ctx, {
    body: event.request.body,
    name: decodeHeaderName(parsed.data['x-filename']),
    fileId: parsed.data['x-file-id'],
    declaredLength: parsed.data['content-length']
  });
  return new Response(JSON.stringify(meta), { status: created ? 201 : 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', location: `/api/v1/files/${meta.id}` } });
});
