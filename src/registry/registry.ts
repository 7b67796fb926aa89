import type { Readable } from 'node:stream';
import type { HttpBody } from '../transport/types.js';
import { getBlob, headBlob, deleteBlob, type BlobReader } from './blobs.js';
import type { RegistryConnection } from './connection.js';
import { listRepositories, listTags, type ListOptions } from './listing.js';
import type { Descriptor, Manifest } from './manifest.js';
import { deleteManifest, getManifest, headManifest, putManifest } from './manifests.js';
import { responseError } from './response-error.js';
import { listReferrers, type Referrers } from './referrers.js';
import { mountBlob, uploadBlob, uploadChunked, uploadStream } from './upload.js';

/**
 * The OCI distribution API of one registry host, as methods. Repository names are paths within
 * the registry (`library/alpine`); references are tags or digests.
 */
export class Registry {
  constructor(readonly connection: RegistryConnection) {}

  /** The host as users write it (`docker.io`, `localhost:5000`). */
  get host(): string {
    return this.connection.host;
  }

  /** Pings `/v2/` and sets up authentication; throws when the host is not a reachable registry. */
  async ping(): Promise<void> {
    await this.connection.connect();
  }

  /**
   * Proves the credentials work: `GET /v2/` with whatever auth the registry asks for (for a
   * token service, a token fetched with the credentials). Throws UNAUTHORIZED when refused.
   */
  async checkAuth(): Promise<void> {
    const res = await this.connection.send({ method: 'GET', path: '/v2/' }, []);
    if (res.status !== 200) throw await responseError(res, `GET ${this.host}/v2/`);
    await res.body.dump().catch(() => undefined);
  }

  getManifest(repo: string, reference: string): Promise<Manifest> {
    return getManifest(this.connection, repo, reference);
  }

  headManifest(repo: string, reference: string): Promise<Descriptor | undefined> {
    return headManifest(this.connection, repo, reference);
  }

  putManifest(repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    return putManifest(this.connection, repo, reference, bytes, mediaType);
  }

  deleteManifest(repo: string, reference: string): Promise<void> {
    return deleteManifest(this.connection, repo, reference);
  }

  headBlob(repo: string, digest: string): Promise<number | undefined> {
    return headBlob(this.connection, repo, digest);
  }

  getBlob(repo: string, digest: string, offset = 0): Promise<BlobReader> {
    return getBlob(this.connection, repo, digest, offset);
  }

  deleteBlob(repo: string, digest: string): Promise<void> {
    return deleteBlob(this.connection, repo, digest);
  }

  uploadBlob(repo: string, desc: { digest: string; size: number }, body: () => HttpBody, opts?: { replayable?: boolean }): Promise<void> {
    return uploadBlob(this.connection, repo, desc, body, opts);
  }

  uploadStream(repo: string, source: Readable): Promise<{ digest: string; size: number }> {
    return uploadStream(this.connection, repo, source);
  }

  uploadChunked(repo: string, desc: { digest: string; size: number }, source: AsyncIterable<Uint8Array>, chunkSize: number): Promise<void> {
    return uploadChunked(this.connection, repo, desc, source, chunkSize);
  }

  mountBlob(repo: string, digest: string, fromRepo: string): Promise<boolean> {
    return mountBlob(this.connection, repo, digest, fromRepo);
  }

  listTags(repo: string, opts?: ListOptions): Promise<string[]> {
    return listTags(this.connection, repo, opts);
  }

  listRepositories(opts?: ListOptions): Promise<string[]> {
    return listRepositories(this.connection, opts);
  }

  listReferrers(repo: string, digest: string, artifactType?: string): Promise<Referrers> {
    return listReferrers(this.connection, repo, digest, artifactType);
  }
}
