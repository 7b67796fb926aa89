import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import type { BlobReader } from '../registry/blobs.js';
import { MAX_MANIFEST_BYTES, type Descriptor, type Manifest } from '../registry/manifest.js';
import { dirFiles, noFiles, overlayFiles, tarFiles } from './oci-layout-files.js';
import { OCI_LAYOUT_FILE, defaultLayoutReference, layoutTags } from './oci-layout-index.js';
import { OciLayoutReader } from './oci-layout-reader.js';
import { OciLayoutWriter } from './oci-layout-writer.js';
import { TarIndex } from './tar-index.js';
import { copyEntries, tempSibling, writeTarAtomic } from './tar-write.js';
import type { ImageRepository } from './types.js';

const BLOB_ENTRY = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/;

/**
 * A tar of an OCI image layout (`oci-archive:<file>`), read and written without unpacking it.
 *
 * Reading indexes the archive once and streams entries by offset (see tar-index.ts). Writing
 * stages new blobs in a hidden layout directory beside the file, because a copy delivers blobs
 * concurrently and in no useful order while a tar is strictly sequential. {@link commit} then
 * streams the old archive's blobs and the staged ones into a new archive under a temporary
 * name and renames it over the file; {@link close} removes the staging directory. Until commit,
 * the file on disk is untouched, so a failed copy leaves the previous archive (or none).
 */
export class OciArchiveRepository implements ImageRepository {
  readonly name: string;
  private reader: OciLayoutReader;
  private staging?: Promise<{ dir: string; writer: OciLayoutWriter }>;

  private constructor(readonly file: string, private readonly archive: TarIndex | undefined) {
    this.name = `oci-archive:${file}`;
    this.reader = new OciLayoutReader(archive ? tarFiles(archive) : noFiles(this.name), this.name);
  }

  /**
   * Opens `file`. A source must exist; a destination may not exist yet (or be empty), but an
   * existing file that is not an OCI archive is refused rather than overwritten.
   */
  static async open(file: string, role: 'source' | 'destination'): Promise<OciArchiveRepository> {
    const path = resolve(file);
    const existing = await stat(path).catch(() => undefined);
    if (!existing || (role === 'destination' && existing.isFile() && existing.size === 0)) {
      if (role === 'source') throw new RegctlError('NOT_FOUND', `oci-archive:${file}: no such file`);
      return new OciArchiveRepository(file, undefined);
    }
    if (!existing.isFile()) throw new RegctlError('USAGE', `oci-archive:${file} is not a file`);
    const archive = await TarIndex.open(path);
    const repo = new OciArchiveRepository(file, archive);
    try {
      await repo.reader.checkLayout();
    } catch (e) {
      await archive.close();
      if (role === 'source') throw e;
      throw new RegctlError('USAGE', `oci-archive:${file} exists and is not an OCI archive; refusing to replace it`, { cause: e });
    }
    return repo;
  }

  /** What the reference-less `oci-archive:<file>` means: the only image, else `latest`. */
  async defaultReference(): Promise<string> {
    return defaultLayoutReference(await this.reader.index(), this.name);
  }

  /** Tags in the archive's index.json (including staged, uncommitted ones). */
  async tags(): Promise<string[]> {
    return layoutTags(await this.reader.index());
  }

  getManifest(reference: string): Promise<Manifest> {
    return this.reader.getManifest(reference);
  }

  headManifest(reference: string): Promise<Descriptor | undefined> {
    return this.reader.find(reference);
  }

  hasBlob(digest: string): Promise<boolean> {
    return this.reader.hasBlob(digest);
  }

  getBlob(digest: string, offset?: number): Promise<BlobReader> {
    return this.reader.getBlob(digest, offset);
  }

  async putBlob(desc: { digest: string; size: number }, open: () => Readable): Promise<void> {
    await (await this.stage()).writer.putBlob(desc, open());
  }

  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    return (await this.stage()).writer.putManifest(reference, bytes, mediaType);
  }

  /** Creates the staging layout, seeded with the archive's index.json, on the first write. */
  private stage(): Promise<{ dir: string; writer: OciLayoutWriter }> {
    this.staging ??= (async () => {
      const dir = tempSibling(resolve(this.file), 'staging');
      await mkdir(dir, { mode: 0o700 });
      const writer = new OciLayoutWriter(dir, this.name);
      const old = await this.reader.index();
      await writer.updateIndex(() => old);
      const staged = dirFiles(dir, this.name);
      this.reader = new OciLayoutReader(this.archive ? overlayFiles(staged, tarFiles(this.archive)) : staged, this.name);
      return { dir, writer };
    })();
    return this.staging;
  }

  /** Writes the archive (old blobs, staged blobs, the new index.json) and renames it into place. */
  async commit(): Promise<void> {
    if (!this.staging) return;
    const { dir } = await this.staging;
    const staged = await stagedBlobs(dir);
    const index = await dirFiles(dir, this.name).read('index.json', MAX_MANIFEST_BYTES, 'index.json');
    await writeTarAtomic(resolve(this.file), async (w) => {
      await w.bytes('oci-layout', OCI_LAYOUT_FILE);
      // index.json before the blobs lets a sequential reader learn the tags without seeking.
      await w.bytes('index.json', index);
      const dirs = ['blobs', ...new Set([...staged.keys()].map((p) => `blobs/${p.split('/')[1]!}`))];
      for (const d of dirs) await w.directory(d);
      for (const [path, size] of staged) await w.file(path, size, createReadStream(join(dir, path)));
      // Everything else the archive held goes along as it was: old blobs, and files other tools
      // keep beside the layout (docker 25 writes manifest.json and repositories there).
      if (this.archive) await copyEntries(w, this.archive, (p) => p === 'oci-layout' || p === 'index.json' || staged.has(p) || dirs.includes(p));
    });
  }

  /** Releases the archive and removes the staging directory (after commit, or to abandon writes). */
  async close(): Promise<void> {
    await this.archive?.close();
    const staging = await this.staging?.catch(() => undefined);
    this.staging = undefined;
    if (staging) await rm(staging.dir, { recursive: true, force: true });
  }
}

/** Blob files in a staging layout, by archive path; hidden names are temporary files. */
async function stagedBlobs(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const algs = await readdir(join(dir, 'blobs')).catch(() => [] as string[]);
  for (const alg of algs) {
    for (const hex of await readdir(join(dir, 'blobs', alg))) {
      const path = `blobs/${alg}/${hex}`;
      if (BLOB_ENTRY.test(path)) out.set(path, (await stat(join(dir, path))).size);
    }
  }
  return out;
}
