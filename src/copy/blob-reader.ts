import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import { parseDigest } from '../ref/digest.js';
import type { BlobReader } from '../registry/blobs.js';
import type { Descriptor } from '../registry/manifest.js';
import type { ImageRepository } from '../transports/types.js';

/** The hash state is saved at every multiple of this offset, for re-reads from the middle. */
const CHECKPOINT_BYTES = 4 << 20;
/** Breaks in a row without a byte of progress before a read gives up. */
const MAX_STALLED_RESUMES = 4;

/** Hooks of a {@link BlobReadSession}. */
export interface BlobReadHooks {
  /** Verified bytes read so far by the main read. */
  onBytes?(bytes: number): void;
  /** The download broke and continues from `offset` with a Range request. */
  onResume?(offset: number): void;
}

/**
 * Reads one blob from a source, verifying its size and digest while it streams, with no disk.
 * A download that breaks continues with an HTTP Range request from the last byte received,
 * keeping the hash state, so a multi-GB layer is not read twice. The hash state is also saved
 * every few MiB, so an upload that broke at some offset can get the bytes from that offset
 * again ({@link reopen}) and still be checked end to end.
 *
 * The last chunk is held back until the digest is proven: a consumer never sees the whole of a
 * wrong blob, so an upload fed from here can never complete with bad content.
 */
export class BlobReadSession {
  private readonly algorithm;
  private readonly checkpoints: Array<{ offset: number; hash: Hash }>;

  constructor(private readonly src: ImageRepository, private readonly desc: Descriptor, private readonly hooks: BlobReadHooks = {}) {
    this.algorithm = parseDigest(desc.digest, 'INVALID_INPUT').algorithm;
    this.checkpoints = [{ offset: 0, hash: createHash(this.algorithm) }];
  }

  /**
   * The whole blob, verified. Call once. The GET is sent at once rather than on the first read,
   * so it overlaps whatever the consumer does before reading (a destination's POST).
   */
  stream(): Readable {
    if (this.desc.size === 0) return Readable.from(this.read(0, this.checkpoints[0]!.hash.copy(), 0, true), { objectMode: false });
    const first = this.src.getBlob(this.desc.digest, 0);
    first.catch(() => undefined); // reported by the read, or dropped with an unread stream
    let taken = false;
    const take = () => {
      taken = true;
      return first;
    };
    const out = Readable.from(this.read(0, this.checkpoints[0]!.hash.copy(), 0, true, take), { objectMode: false });
    // Destroyed before the first read (the upload failed early): release the response.
    out.once('close', () => {
      if (!taken) first.then((r) => release(r.stream), () => undefined);
    });
    return out;
  }

  /**
   * The blob from `offset` to the end, re-read from the nearest saved hash state at or before
   * `offset` so the digest is still verified over the whole blob.
   */
  reopen(offset: number): Readable {
    let cp = this.checkpoints[0]!;
    for (const c of this.checkpoints) if (c.offset <= offset && c.offset > cp.offset) cp = c;
    return Readable.from(this.read(cp.offset, cp.hash.copy(), offset, false), { objectMode: false });
  }

  private async *read(start: number, hash: Hash, emitFrom: number, main: boolean, opened?: () => Promise<BlobReader>): AsyncGenerator<Buffer> {
    const { digest, size } = this.desc;
    const what = `blob ${digest} from ${this.src.name}`;
    let pos = start;
    let stalls = 0;
    let held: Buffer | undefined;
    let open = opened;
    while (pos < size) {
      const reader = await (open ? open() : this.src.getBlob(digest, pos));
      open = undefined;
      // A server that ignores Range answers 200 from byte 0: skip what we already have.
      let skip = pos - reader.start;
      const before = pos;
      const it = reader.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      let broken: unknown;
      try {
        for (;;) {
          // Only the body's own failures count as a break. An error thrown into this generator by
          // its consumer (the upload gave up) arrives at the yield below and ends the read.
          let next: IteratorResult<Buffer>;
          try {
            next = await it.next();
          } catch (e) {
            broken = e;
            break;
          }
          if (next.done) break;
          let chunk = next.value;
          if (skip > 0) {
            if (chunk.length <= skip) {
              skip -= chunk.length;
              continue;
            }
            chunk = chunk.subarray(skip);
            skip = 0;
          }
          if (pos + chunk.length > size) throw new RegctlError('DIGEST_MISMATCH', `${what}: more than the expected ${size} bytes`);
          if (main) this.hashWithCheckpoints(hash, chunk, pos);
          else hash.update(chunk);
          const out = pos >= emitFrom ? chunk : chunk.subarray(Math.min(chunk.length, emitFrom - pos));
          pos += chunk.length;
          if (main) this.hooks.onBytes?.(pos);
          if (out.length === 0) continue;
          if (held) yield held;
          held = out;
        }
      } finally {
        release(reader.stream);
      }
      if (pos >= size) break;
      stalls = pos > before ? 0 : stalls + 1;
      if (stalls > MAX_STALLED_RESUMES) {
        const why = broken instanceof Error ? broken.message : 'the body ended early';
        throw new RegctlError('NETWORK', `${what}: download broke at byte ${pos} of ${size} and could not be resumed (${why})`, { cause: broken });
      }
      if (main) this.hooks.onResume?.(pos);
    }
    const actual = `${this.algorithm}:${hash.digest('hex')}`;
    if (actual !== digest) throw new RegctlError('DIGEST_MISMATCH', `${what}: content digest ${actual} does not match ${digest}`);
    if (held) yield held;
  }

  /** Hashes `chunk` (at blob offset `pos`), saving the state at every checkpoint boundary it crosses. */
  private hashWithCheckpoints(hash: Hash, chunk: Buffer, pos: number): void {
    let rest = chunk;
    let at = pos;
    for (;;) {
      const boundary = (Math.floor(at / CHECKPOINT_BYTES) + 1) * CHECKPOINT_BYTES;
      if (at + rest.length < boundary) break;
      const cut = boundary - at;
      hash.update(rest.subarray(0, cut));
      this.checkpoints.push({ offset: boundary, hash: hash.copy() });
      rest = rest.subarray(cut);
      at = boundary;
    }
    if (rest.length > 0) hash.update(rest);
  }
}

/**
 * Closes a response body we stop reading. undici's body emits an `AbortError` when destroyed
 * before its end; nobody waits for that error, so it is swallowed here instead of crashing the
 * process as an unhandled 'error' event.
 */
function release(stream: Readable): void {
  stream.once('error', () => undefined);
  stream.destroy();
}
