import { readLimitedBody } from '../http/route';

/** The raw message, refused with 413 past `limit` (checked while streaming, not after). */
export const readRawBody = (request: Request, limit: number): Promise<Buffer> => readLimitedBody(request, limit, 'Message');
