import { AppError } from '$lib/domain/common/errors';

/** The request body as bytes, refused with 413 past `limit` (checked while streaming, not after). */
export async function readRawBody(request: Request, limit: number): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > limit) throw new AppError('payload_too_large', `Message is larger than ${limit} bytes`, { limitBytes: limit });
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw new AppError('payload_too_large', `Message is larger than ${limit} bytes`, { limitBytes: limit });
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks);
}
