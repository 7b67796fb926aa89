import { Transform, type TransformCallback } from 'node:stream';
import { RegctlError } from '../errors.js';
import { createDigester, parseDigest } from '../ref/digest.js';

/**
 * A pass-through stream that hashes and counts what flows through it and fails, at the end or
 * as soon as the size is exceeded, when the content is not the expected blob. Destinations see
 * the error as an aborted body, so a wrong blob is never committed.
 */
export class VerifyStream extends Transform {
  private readonly digester;
  private seen = 0;

  constructor(
    private readonly expectedDigest: string,
    private readonly expectedSize: number | undefined,
    private readonly what: string,
    private readonly onBytes?: (total: number) => void,
  ) {
    super();
    this.digester = createDigester(parseDigest(expectedDigest).algorithm);
  }

  /** Bytes that have passed so far. */
  get bytes(): number {
    return this.seen;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.expectedSize !== undefined && this.seen > this.expectedSize) {
      cb(new RegctlError('DIGEST_MISMATCH', `${this.what}: more than the expected ${this.expectedSize} bytes`));
      return;
    }
    this.digester.update(chunk);
    this.onBytes?.(this.seen);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.expectedSize !== undefined && this.seen !== this.expectedSize) {
      cb(new RegctlError('DIGEST_MISMATCH', `${this.what}: got ${this.seen} bytes, expected ${this.expectedSize}`));
      return;
    }
    const actual = this.digester.digest();
    if (actual !== this.expectedDigest) {
      cb(new RegctlError('DIGEST_MISMATCH', `${this.what}: content digest ${actual} does not match ${this.expectedDigest}`));
      return;
    }
    cb();
  }
}
