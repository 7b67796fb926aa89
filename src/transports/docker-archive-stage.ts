/**
 * Blobs waiting to go into a docker archive. A copy delivers blobs concurrently and in any
 * order, while a tar is written front to back, so each blob is staged in a hidden directory
 * beside the archive until the archive is assembled. Docker expects uncompressed layer tars, so
 * a gzip blob from a registry is decompressed as it arrives: one pass checks the blob's own
 * digest and computes the digest of its uncompressed content, which the image config's
 * diff_ids must then match.
 */
import { mkdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDigester, parseDigest } from '../ref/digest.js';
import { VerifyStream } from '../registry/verify-stream.js';
import { decompressed } from './tar-compression.js';
import { closed, createNewFile, tempSibling } from './tar-write.js';

/** A staged blob: its uncompressed content in `file`. */
export interface StagedBlob {
  file: string;
  /** Digest of the uncompressed content: a layer's diff_id, or the digest itself if plain. */
  diffId: string;
  size: number;
}

/** The staging area of one archive being written. */
export class DockerArchiveStaging {
  private dir?: Promise<string>;
  private readonly blobs = new Map<string, StagedBlob>();
  private seq = 0;

  constructor(private readonly archivePath: string, private readonly where: string) {}

  /** The staged blob with this (as delivered, possibly compressed) digest. */
  get(digest: string): StagedBlob | undefined {
    return this.blobs.get(digest);
  }

  /** Stages `source`, which must be the blob `desc`; DIGEST_MISMATCH (and nothing kept) otherwise. */
  async put(desc: { digest: string; size: number }, source: Readable): Promise<void> {
    const what = `${this.where}: blob ${desc.digest}`;
    const file = join(await this.ensureDir(), `${parseDigest(desc.digest, 'INVALID_INPUT').hex}.${this.seq++}`);
    const verify = new VerifyStream(desc.digest, desc.size, what);
    const feeding = pipeline(source, verify);
    const out = createNewFile(file);
    const digester = createDigester();
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        digester.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      const plain = await decompressed(verify, what);
      await Promise.all([feeding, pipeline(plain.stream, count, out)]);
      await closed(out);
    } catch (e) {
      source.destroy();
      verify.destroy();
      out.destroy();
      await feeding.catch(() => undefined);
      await closed(out).catch(() => undefined);
      await unlink(file).catch(() => undefined);
      throw e;
    }
    // Two copies into one archive may stage the same blob at once: the first one stays.
    if (this.blobs.has(desc.digest)) await unlink(file);
    else this.blobs.set(desc.digest, { file, diffId: digester.digest(), size });
  }

  /** Removes the staging directory and everything in it. */
  async remove(): Promise<void> {
    const dir = await this.dir?.catch(() => undefined);
    this.dir = undefined;
    this.blobs.clear();
    if (dir) await rm(dir, { recursive: true, force: true });
  }

  private ensureDir(): Promise<string> {
    this.dir ??= (async () => {
      const dir = tempSibling(this.archivePath, 'staging');
      await mkdir(dir, { mode: 0o700 });
      return dir;
    })();
    return this.dir;
  }
}
