import { RegctlError } from '../errors.js';
import type { Readable } from 'node:stream';

/**
 * Reads a whole response body, refusing more than `limit` bytes: a hostile or broken server
 * cannot make regctl buffer without bound. The check runs on the bytes, not `Content-Length`.
 */
export async function readLimited(body: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buf.length;
    if (total > limit) {
      body.destroy();
      throw new RegctlError('TOO_LARGE', `${what} exceeds the ${limit}-byte limit`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}
