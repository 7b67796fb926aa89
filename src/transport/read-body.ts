/**
 * Reading whole response bodies (manifests, token replies, error documents, listings) with a
 * size cap, so that a misbehaving server cannot make the client buffer an unbounded body.
 */
import type { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import { errorCode, isRetryableError, isTimeoutError } from './retry.js';

/** The default cap for small bodies: 1 MiB is far above any token or error reply. */
export const SMALL_BODY_LIMIT = 1 << 20;

/**
 * Reads a body into memory. Past `limit` bytes it destroys the stream and throws `TOO_LARGE`
 * naming `what`; the check counts bytes received, not `Content-Length`. A connection that
 * breaks or stalls mid-body is a `NETWORK` or `TIMEOUT` error naming `what`.
 */
export async function readBytes(body: Readable, limit: number, what = 'response body'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer | string>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > limit) {
        body.destroy();
        throw new RegctlError('TOO_LARGE', `${what} exceeds the ${limit}-byte limit`);
      }
      chunks.push(buf);
    }
  } catch (e) {
    // undici reports a reset or a body timeout after the headers as its own error types; found
    // by the fault suite (docs/reliability.md), they reached users untyped.
    if (e instanceof RegctlError || !(isRetryableError(e) || errorCode(e)?.startsWith('UND_ERR'))) throw e;
    const code = errorCode(e);
    const reason = `${e instanceof Error ? e.message : String(e)}${code ? ` (${code})` : ''}`;
    throw new RegctlError(isTimeoutError(e) ? 'TIMEOUT' : 'NETWORK', `${what}: ${reason} after ${size} bytes`, { cause: e });
  }
  return Buffer.concat(chunks, size);
}

/** Reads a body as UTF-8 text; see {@link readBytes}. */
export async function readText(body: Readable, limit: number = SMALL_BODY_LIMIT): Promise<string> {
  return (await readBytes(body, limit)).toString('utf8');
}

/** Reads at most `limit` bytes and returns them as text, or undefined when reading fails. Never throws. */
export async function readTextQuietly(body: Readable, limit: number = 64 * 1024): Promise<string | undefined> {
  try {
    return await readText(body, limit);
  } catch {
    return undefined;
  }
}
