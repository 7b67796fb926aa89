/**
 * Writing an OCI image layout directory. Every blob goes to a temporary file beside its final
 * name, is verified against its digest and size while it streams, flushed, and only then renamed
 * into place, so a reader (or a crash) never sees a partial blob. index.json is rewritten the
 * same way, under a lock file so that several regctl processes can add tags to one layout.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeFileAtomic } from '../credentials/atomic-write.js';
import { withFileLock } from '../credentials/file-lock.js';
import { RegctlError, isRegctlError } from '../errors.js';
import { digestOf, isDigest } from '../ref/digest.js';
import { MAX_MANIFEST_BYTES, type IndexManifest } from '../registry/manifest.js';
import { VerifyStream } from '../registry/verify-stream.js';
import { readBytes } from '../transport/read-body.js';
import { OCI_LAYOUT_FILE, blobPath, checkLayoutReference, emptyLayoutIndex, parseLayoutIndex, withTag } from './oci-layout-index.js';
import { closed, createNewFile, tempSibling } from './tar-write.js';

/** Writes into the layout directory `root`; `where` names it in messages. */
export class OciLayoutWriter {
  private ready?: Promise<void>;
  private indexQueue: Promise<unknown> = Promise.resolve();

  constructor(readonly root: string, readonly where: string) {}

  /**
   * Creates the directory and its `oci-layout` marker on first use. A non-empty directory that
   * is not a layout is refused, so a mistyped path never scatters blobs among someone's files.
   */
  ensure(): Promise<void> {
    this.ready ??= (async () => {
      try {
        await mkdir(this.root, { recursive: true });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' || code === 'ENOTDIR') throw new RegctlError('USAGE', `${this.where}: ${this.root} is not a directory`);
        throw e;
      }
      const names = await readdir(this.root);
      if (!names.includes('oci-layout')) {
        if (names.some((n) => !['blobs', 'index.json'].includes(n))) {
          throw new RegctlError('USAGE', `${this.where}: directory ${this.root} is not empty and is not an OCI layout; refusing to write into it`);
        }
        await writeFileAtomic(join(this.root, 'oci-layout'), OCI_LAYOUT_FILE.toString('utf8'), 0o644);
      }
    })();
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  /** Stores a blob from `source`; fails with DIGEST_MISMATCH, leaving nothing, when it is not `desc`. */
  async putBlob(desc: { digest: string; size: number }, source: Readable): Promise<void> {
    await this.ensure();
    const final = join(this.root, blobPath(desc.digest));
    await mkdir(dirname(final), { recursive: true });
    const tmp = tempSibling(final);
    const out = createNewFile(tmp);
    try {
      const verify = new VerifyStream(desc.digest, desc.size, `${this.where}: blob ${desc.digest}`);
      await pipeline(source, verify, out);
      await closed(out);
      await rename(tmp, final);
    } catch (e) {
      source.destroy();
      out.destroy();
      await closed(out).catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }

  /** Stores bytes already in memory (manifests) as a blob. */
  putBytes(digest: string, bytes: Buffer): Promise<void> {
    return this.putBlob({ digest, size: bytes.length }, Readable.from([bytes]));
  }

  /** Writes a manifest blob, then, for a tag, points index.json at it. Returns its digest. */
  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const digest = digestOf(bytes);
    const byDigest = isDigest(reference);
    if (byDigest && reference !== digest) throw new RegctlError('DIGEST_MISMATCH', `manifest bytes hash to ${digest}, not ${reference}`);
    if (!byDigest) checkLayoutReference(reference, this.where);
    await this.putBytes(digest, bytes);
    if (!byDigest) await this.updateIndex((index) => withTag(index, { mediaType, digest, size: bytes.length }, reference));
    return digest;
  }

  /**
   * Applies `change` to index.json (an empty index when there is none yet) and writes the result
   * atomically. Calls in this process are queued; other processes are kept out by the lock file.
   */
  updateIndex(change: (index: IndexManifest) => IndexManifest): Promise<void> {
    const run = this.indexQueue.then(async () => {
      await this.ensure();
      const file = join(this.root, 'index.json');
      try {
        await withFileLock(`${file}.lock`, async () => {
          const current = await this.readIndex(file);
          await writeFileAtomic(file, JSON.stringify(change(current)), 0o644);
        });
      } catch (e) {
        // The lock helper speaks of credentials files; here the contended file is index.json.
        if (isRegctlError(e, 'CREDENTIALS')) throw new RegctlError('TIMEOUT', `${this.where}: ${e.message}`, { ...(e.hint && { hint: e.hint }) });
        throw e;
      }
    });
    this.indexQueue = run.catch(() => undefined);
    return run;
  }

  private async readIndex(file: string): Promise<IndexManifest> {
    let bytes: Buffer;
    try {
      bytes = await readBytes(createReadStream(file), MAX_MANIFEST_BYTES, 'index.json');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyLayoutIndex();
      throw e;
    }
    return parseLayoutIndex(bytes, this.where);
  }
}
