import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobReader } from '../registry/blobs.js';
import type { Descriptor, Manifest } from '../registry/manifest.js';
import { dirFiles } from './oci-layout-files.js';
import { defaultLayoutReference, layoutTags } from './oci-layout-index.js';
import { OciLayoutReader } from './oci-layout-reader.js';
import { OciLayoutWriter } from './oci-layout-writer.js';
import type { ImageRepository } from './types.js';

/**
 * An OCI image layout directory (`oci:<dir>`) as an {@link ImageRepository}: several images,
 * each named by a tag in index.json. Written blob by blob, atomically, so an interrupted copy
 * leaves only whole, verified blobs and an index.json that names complete images.
 */
export class OciLayoutRepository implements ImageRepository {
  readonly name: string;
  private readonly reader: OciLayoutReader;
  private readonly writer: OciLayoutWriter;

  constructor(readonly dir: string) {
    this.name = `oci:${dir}`;
    this.reader = new OciLayoutReader(dirFiles(resolve(dir), this.name), this.name);
    this.writer = new OciLayoutWriter(resolve(dir), this.name);
  }

  /** Throws unless the directory already holds an OCI layout (for sources). */
  checkExists(): Promise<void> {
    return this.reader.checkLayout();
  }

  /** What the reference-less `oci:<dir>` means: the only image, else the tag `latest`. */
  async defaultReference(): Promise<string> {
    return defaultLayoutReference(await this.reader.index(), this.name);
  }

  /** Tags in index.json. */
  async tags(): Promise<string[]> {
    return layoutTags(await this.reader.index());
  }

  getManifest(reference: string): Promise<Manifest> {
    return this.reader.getManifest(reference);
  }

  headManifest(reference: string): Promise<Descriptor | undefined> {
    return this.reader.find(reference);
  }

  putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    return this.writer.putManifest(reference, bytes, mediaType);
  }

  hasBlob(digest: string): Promise<boolean> {
    return this.reader.hasBlob(digest);
  }

  getBlob(digest: string, offset?: number): Promise<BlobReader> {
    return this.reader.getBlob(digest, offset);
  }

  putBlob(desc: { digest: string; size: number }, open: () => Readable): Promise<void> {
    return this.writer.putBlob(desc, open());
  }
}
