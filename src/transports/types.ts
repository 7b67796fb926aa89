import type { Readable } from 'node:stream';
import type { BlobReader } from '../registry/blobs.js';
import type { Descriptor, Manifest } from '../registry/manifest.js';

/**
 * One repository of images wherever it lives: a registry repository now, an OCI layout or a
 * tarball later. The copy engine sees only this interface (DESIGN principle 7).
 */
export interface ImageRepository {
  /** A printable name, e.g. `localhost:5000/app`. */
  readonly name: string;
  getManifest(reference: string): Promise<Manifest>;
  /** Undefined when the reference does not exist. */
  headManifest(reference: string): Promise<Descriptor | undefined>;
  /** Stores the bytes as they are; returns their digest. */
  putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<string>;
  hasBlob(digest: string): Promise<boolean>;
  getBlob(digest: string, offset?: number): Promise<BlobReader>;
  /** Stores a blob; `open` yields its bytes and is called once when `replayable` is false. */
  putBlob(desc: { digest: string; size: number }, open: () => Readable, replayable: boolean): Promise<void>;
  /** Makes a blob that `from` holds available here without transferring it, when possible. */
  mountBlob?(digest: string, from: ImageRepository): Promise<boolean>;
}
