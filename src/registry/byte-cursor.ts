import type { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';

/**
 * Reads a stream in consecutive slices of exact lengths, e.g. one for a PATCH body and the rest
 * for the closing PUT. Slices must be consumed in order; the stream is never closed by a slice
 * ending, only by {@link destroy}.
 */
export class ByteCursor {
  private readonly it: AsyncIterator<Buffer>;
  private stash: Buffer | undefined;

  constructor(private readonly stream: Readable) {
    this.it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** The next `n` bytes, as chunks; fails when the stream ends first. */
  async *take(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      let chunk = this.stash;
      this.stash = undefined;
      if (!chunk) {
        const next = await this.it.next();
        if (next.done) throw new RegctlError('INTERNAL', `the blob stream ended ${left} bytes early`);
        chunk = next.value;
      }
      if (chunk.length > left) {
        this.stash = chunk.subarray(left);
        chunk = chunk.subarray(0, left);
      }
      left -= chunk.length;
      yield chunk;
    }
  }

  /** Stops reading and releases the stream. */
  destroy(): void {
    this.stream.destroy();
  }
}
