import type { Readable } from 'node:stream';
import type { RegistryClient } from '../client.js';
import type { BlobReader } from '../registry/blobs.js';
import type { Descriptor, Manifest } from '../registry/manifest.js';
import type { Registry } from '../registry/registry.js';
import type { UploadRules } from '../providers/types.js';
import { indexReferrers } from '../registry/referrers-index.js';
import { uploadResumable, type BlobSource } from '../registry/resumable-upload.js';
import type { ImageRepository } from './types.js';

/** Options of {@link RegistryRepository}. */
export interface RegistryRepositoryOptions {
  /** Upload constraints to use instead of the provider's (tests, unusual registries). */
  uploadRules?: UploadRules;
  /**
   * A copy destination: the provider's ensure-repository hook runs before its first request,
   * reads included, since a registry may refuse even a HEAD on a missing project (Harbor).
   */
  destination?: boolean;
}

/** A repository in a registry, as an {@link ImageRepository}. */
export class RegistryRepository implements ImageRepository {
  readonly name: string;

  constructor(readonly registry: Registry, readonly repo: string, private readonly opts: RegistryRepositoryOptions = {}) {
    this.name = `${registry.host}/${repo}`;
  }

  /** The repository `repo` on `host`, through `client`; a source reads through the host's configured mirrors. */
  static of(client: RegistryClient, host: string, repo: string, opts?: RegistryRepositoryOptions): RegistryRepository {
    return new RegistryRepository(client.registry(host, { mirrors: !opts?.destination }), repo, opts);
  }

  get host(): string {
    return this.registry.host;
  }

  getManifest(reference: string): Promise<Manifest> {
    return this.registry.getManifest(this.repo, reference);
  }

  async headManifest(reference: string): Promise<Descriptor | undefined> {
    if (this.opts.destination) await this.registry.connection.ensureRepository(this.repo);
    return this.registry.headManifest(this.repo, reference);
  }

  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    await this.registry.connection.ensureRepository(this.repo);
    return this.registry.putManifest(this.repo, reference, bytes, mediaType);
  }

  async hasBlob(digest: string): Promise<boolean> {
    if (this.opts.destination) await this.registry.connection.ensureRepository(this.repo);
    return (await this.registry.headBlob(this.repo, digest)) !== undefined;
  }

  getBlob(digest: string, offset = 0): Promise<BlobReader> {
    return this.registry.getBlob(this.repo, digest, offset);
  }

  async putBlob(desc: { digest: string; size: number }, open: () => Readable, replayable: boolean): Promise<void> {
    // Provider hook, once per repository: ECR creates a missing repository, Harbor checks its project.
    await this.registry.connection.ensureRepository(this.repo);
    return this.registry.uploadBlob(this.repo, desc, open, { replayable });
  }

  /** Uploads with resume after broken connections, following the provider's upload rules (ECR, GAR). */
  async writeBlob(desc: { digest: string; size: number }, source: BlobSource, onResume?: (offset: number) => void): Promise<void> {
    await this.registry.connection.ensureRepository(this.repo);
    const rules = this.opts.uploadRules ?? (await this.registry.connection.provider()).uploadRules;
    return uploadResumable(this.registry.connection, this.repo, desc, source, { ...(rules && { rules }), ...(onResume && { onResume }) });
  }

  async listReferrers(digest: string): Promise<Descriptor[]> {
    return (await this.registry.listReferrers(this.repo, digest)).manifests;
  }

  indexReferrers(subject: string, referrers: Descriptor[]): Promise<string | undefined> {
    return indexReferrers(this.registry.connection, this.repo, subject, referrers);
  }

  /** Mounts only within one registry: cross-registry mounts broke Docker Hub and Harbor (REGISTRIES.md, ggcr#1741). */
  canMountFrom(from: ImageRepository): boolean {
    // Same connection, not same object: a source read through mirrors is still this registry.
    return from instanceof RegistryRepository && from.registry.connection === this.registry.connection && from.repo !== this.repo;
  }

  async mountBlob(digest: string, from: ImageRepository): Promise<boolean> {
    if (!(from instanceof RegistryRepository) || !this.canMountFrom(from)) return false;
    await this.registry.connection.ensureRepository(this.repo);
    return this.registry.mountBlob(this.repo, digest, from.repo);
  }
}
