import type { Readable } from 'node:stream';
import type { RegistryClient } from '../client.js';
import type { BlobReader } from '../registry/blobs.js';
import type { Descriptor, Manifest } from '../registry/manifest.js';
import type { Registry } from '../registry/registry.js';
import type { ImageRepository } from './types.js';

/** A repository in a registry, as an {@link ImageRepository}. */
export class RegistryRepository implements ImageRepository {
  readonly name: string;

  constructor(readonly registry: Registry, readonly repo: string) {
    this.name = `${registry.host}/${repo}`;
  }

  /** The repository `repo` on `host`, through `client`. */
  static of(client: RegistryClient, host: string, repo: string): RegistryRepository {
    return new RegistryRepository(client.registry(host), repo);
  }

  getManifest(reference: string): Promise<Manifest> {
    return this.registry.getManifest(this.repo, reference);
  }

  headManifest(reference: string): Promise<Descriptor | undefined> {
    return this.registry.headManifest(this.repo, reference);
  }

  putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    return this.registry.putManifest(this.repo, reference, bytes, mediaType);
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await this.registry.headBlob(this.repo, digest)) !== undefined;
  }

  getBlob(digest: string, offset = 0): Promise<BlobReader> {
    return this.registry.getBlob(this.repo, digest, offset);
  }

  putBlob(desc: { digest: string; size: number }, open: () => Readable, replayable: boolean): Promise<void> {
    return this.registry.uploadBlob(this.repo, desc, open, { replayable });
  }

  /** Mounts only within one registry: cross-registry mounts broke Docker Hub and Harbor (REGISTRIES.md, ggcr#1741). */
  async mountBlob(digest: string, from: ImageRepository): Promise<boolean> {
    if (!(from instanceof RegistryRepository) || from.registry !== this.registry || from.repo === this.repo) return false;
    return this.registry.mountBlob(this.repo, digest, from.repo);
  }
}
