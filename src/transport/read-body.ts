/**
 * Reading small response bodies (token replies, error documents) with a size cap, so that a
 * misbehaving server cannot make the client buffer an unbounded body.
 */
import { RegctlError } from '../errors.js';
import type { ResponseBody } from './types.js';

/** The default cap for small bodies: 1 MiB is far above any token or error reply. */
export const SMALL_BODY_LIMIT = 1 << 20;

/**
 * Reads a body as UTF-8 text. Past `limit` bytes it destroys the stream and throws `TOO_LARGE`.
 */
export async function readText(body: ResponseBody, limit: number = SMALL_BODY_LIMIT): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > limit) {
      body.destroy();
      throw new RegctlError('TOO_LARGE', `response body larger than ${limit} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads at most `limit` bytes and returns them as text, or undefined when reading fails. Never throws. */
export async function readTextQuietly(body: ResponseBody, limit: number = 64 * 1024): Promise<string | undefined> {
  try {
    return await readText(body, limit);
  } catch {
    return undefined;
  }
}
