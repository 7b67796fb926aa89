import type { Readable } from 'node:stream';
import type { BlobReader } from '../registry/blobs.js';
import type { Descriptor, Manifest } from '../registry/manifest.js';
import type { BlobSource } from '../registry/resumable-upload.js';

export type { BlobSource } from '../registry/resumable-upload.js';

/**
 * One repository of images wherever it lives: a registry repository, an OCI layout, an
 * oci-archive or a docker archive (src/transports). The copy engine sees only this interface
 * (DESIGN principle 7). Archives are written when their opener commits them (open.ts).
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
  /** True when {@link mountBlob} may work from `from` (same registry, other repository). */
  canMountFrom?(from: ImageRepository): boolean;
  /** The registry host, when there is one: copies limit their requests per host. */
  readonly host?: string;
  /**
   * Stores a streamed blob and survives broken connections, continuing from what the
   * destination acknowledges with bytes from `source.reopen` (see registry/resumable-upload.ts).
   */
  writeBlob?(desc: { digest: string; size: number }, source: BlobSource, onResume?: (offset: number) => void): Promise<void>;
  /** Manifests that name `digest` as their subject (OCI referrers). */
  listReferrers?(digest: string): Promise<Descriptor[]>;
  /**
   * Makes `referrers` (already pushed) findable as referrers of `subject`: nothing to do where
   * the registry has the referrers API; elsewhere they are merged into the `sha256-<hex>`
   * fallback tag index. Returns the digest of that index when it was written.
   */
  indexReferrers?(subject: string, referrers: Descriptor[]): Promise<string | undefined>;
  /**
   * Waits while another copy brings `digest` to this registry and makes it available here (a
   * sync of many images: src/sync/ledger.ts); true when it now is. Called before
   * {@link hasBlob} and outside the per-registry request slots, so a wait holds none of them.
   */
  awaitSharedBlob?(digest: string): Promise<boolean>;
}
