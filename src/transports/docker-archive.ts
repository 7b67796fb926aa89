import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import { digestOf, isDigest, verifyContent } from '../ref/digest.js';
import type { RepositoryName } from '../ref/reference.js';
import type { BlobReader } from '../registry/blobs.js';
import { parseManifest, type Descriptor, type Manifest } from '../registry/manifest.js';
import { MediaType, isIndexType } from '../registry/media-types.js';
import { readBytes } from '../transport/read-body.js';
import { configDiffIds, familiarName, parseConfig } from './docker-archive-format.js';
import { DockerArchiveReader, MAX_CONFIG_BYTES } from './docker-archive-reader.js';
import { DockerArchiveStaging, type StagedBlob } from './docker-archive-stage.js';
import { writeDockerArchive, type ArchiveTag, type PendingImage } from './docker-archive-writer.js';
import { TarIndex } from './tar-index.js';
import type { ImageRepository } from './types.js';

const IMAGE_CONFIG_TYPES = new Set<string>([MediaType.DockerConfig, MediaType.OciConfig]);

/**
 * One `docker save` archive file: its images as they are (read through manifest.json) and the
 * images being added. Writes are staged and assembled by {@link commit} into a new file that
 * replaces the old one atomically; until then the file on disk is untouched. Several
 * {@link DockerArchiveRepository} views (one per image name) can share one archive.
 */
export class DockerArchive {
  readonly where: string;
  private readonly staging: DockerArchiveStaging;
  private pending: PendingImage[] = [];

  private constructor(readonly file: string, private readonly tar?: TarIndex, readonly reader?: DockerArchiveReader) {
    this.where = `docker-archive:${file}`;
    this.staging = new DockerArchiveStaging(resolve(file), this.where);
  }

  /**
   * Opens `file`. A source must exist; a destination may not exist yet (or be empty), but an
   * existing file that is not a docker archive is refused rather than overwritten.
   */
  static async open(file: string, role: 'source' | 'destination'): Promise<DockerArchive> {
    const path = resolve(file);
    const existing = await stat(path).catch(() => undefined);
    if (!existing || (role === 'destination' && existing.isFile() && existing.size === 0)) {
      if (role === 'source') throw new RegctlError('NOT_FOUND', `docker-archive:${file}: no such file`);
      return new DockerArchive(file);
    }
    if (!existing.isFile()) throw new RegctlError('USAGE', `docker-archive:${file} is not a file`);
    const tar = await TarIndex.open(path);
    try {
      return new DockerArchive(file, tar, await DockerArchiveReader.open(tar, `docker-archive:${file}`));
    } catch (e) {
      await tar.close();
      if (role === 'source') throw e;
      throw new RegctlError('USAGE', `docker-archive:${file} exists and is not a docker archive; refusing to replace it`, { cause: e });
    }
  }

  /** A view of the images named `name` (or, without one, addressed by digest or position). */
  view(name?: RepositoryName): DockerArchiveRepository {
    return new DockerArchiveRepository(this, name);
  }

  /** Every RepoTags entry in the archive. */
  tags(): string[] {
    return this.reader?.tags() ?? [];
  }

  /** Stages a blob for the next commit. */
  putBlob(desc: { digest: string; size: number }, source: Readable): Promise<void> {
    return this.staging.put(desc, source);
  }

  /** True when a commit could use the blob: staged now, or a config or layer of the archive. */
  async hasBlob(digest: string): Promise<boolean> {
    return this.staging.get(digest) !== undefined || ((await this.reader?.hasBlob(digest)) ?? false);
  }

  /**
   * Records an image for the next commit. Its config must be staged or already in the archive,
   * and each layer's uncompressed digest must equal the config's diff_id at that position.
   */
  async addImage(bytes: Buffer, mediaType: string, tag?: ArchiveTag): Promise<void> {
    const parsed = parseManifest(bytes, mediaType);
    if (isIndexType(parsed.mediaType)) {
      throw new RegctlError('USAGE', `${this.where}: a docker archive holds single images, not an index; pick one image with --platform os/arch`);
    }
    const m = parsed.parsed as { config: Descriptor; layers: Descriptor[] };
    if (!IMAGE_CONFIG_TYPES.has(m.config.mediaType)) {
      throw new RegctlError('UNSUPPORTED', `${this.where}: only container images fit in a docker archive, not an artifact with config type ${m.config.mediaType}`);
    }
    const configBytes = await this.configBytes(m.config);
    const config = parseConfig(configBytes, `${this.where}: config ${m.config.digest}`);
    const diffIds = configDiffIds(config, `${this.where}: config ${m.config.digest}`);
    if (diffIds.length !== m.layers.length) {
      throw new RegctlError('INVALID_INPUT', `${this.where}: manifest has ${m.layers.length} layers but its config has ${diffIds.length} diff_ids`);
    }
    const staged = new Map<string, StagedBlob>();
    for (const [n, layer] of m.layers.entries()) {
      const blob = this.staging.get(layer.digest);
      if (blob && blob.diffId !== diffIds[n]) {
        throw new RegctlError('DIGEST_MISMATCH', `${this.where}: layer ${layer.digest} uncompresses to ${blob.diffId}, but the config's diff_id is ${diffIds[n]}`);
      }
      if (blob) staged.set(blob.diffId, blob);
      else if (!(layer.digest === diffIds[n] && (await this.reader?.hasBlob(layer.digest)))) {
        throw new RegctlError('UNSUPPORTED', `${this.where}: layer ${layer.digest} was not copied${layer.urls?.length ? ' (a foreign layer)' : ''}; a docker archive needs every layer`);
      }
    }
    const tags = tag ? [tag] : [];
    for (const p of this.pending) p.tags = p.tags.filter((t) => !tags.some((n) => n.registry === t.registry && n.repository === t.repository && n.tag === t.tag));
    this.pending.push({ configDigest: m.config.digest, configBytes, config, diffIds, staged, tags });
  }

  private async configBytes(desc: Descriptor): Promise<Buffer> {
    const staged = this.staging.get(desc.digest);
    const bytes = staged
      ? await readFile(staged.file)
      : await readBytes((await this.getBlobOrFail(desc.digest)).stream, MAX_CONFIG_BYTES, `config ${desc.digest}`);
    verifyContent(bytes, desc.digest, `${this.where}: config`);
    return bytes;
  }

  private async getBlobOrFail(digest: string): Promise<BlobReader> {
    if (!this.reader) throw new RegctlError('BLOB_UNKNOWN', `${this.where}: config ${digest} was not copied`);
    return this.reader.getBlob(digest);
  }

  /** Writes the archive with the images added since the last commit; a no-op when there are none. */
  async commit(): Promise<void> {
    if (this.pending.length === 0) return;
    await writeDockerArchive(resolve(this.file), this.reader, this.pending);
    this.pending = [];
  }

  /** Releases the file and removes staged data (abandoning uncommitted images). */
  async close(): Promise<void> {
    this.pending = [];
    await this.tar?.close();
    await this.staging.remove();
  }
}

/**
 * `docker-archive:<file>[:name:tag]` as an {@link ImageRepository}. References are tags of
 * `name`, digests of the generated manifests, or `@<n>` for the n-th image (0-based), as skopeo
 * accepts. A manifest put by tag records the image under `name:tag`; by digest, untagged.
 */
export class DockerArchiveRepository implements ImageRepository {
  readonly name: string;

  constructor(readonly archive: DockerArchive, readonly image?: RepositoryName) {
    this.name = image ? `${archive.where}:${familiarName(image.registry, image.repository)}` : archive.where;
  }

  /** The reference `docker-archive:<file>` alone means: its only image. */
  defaultReference(): string {
    const n = this.archive.reader?.items.length ?? 0;
    if (n === 1) return '@0';
    if (n === 0) throw new RegctlError('NOT_FOUND', `${this.archive.where} holds no images`);
    const tags = this.archive.tags();
    throw new RegctlError('USAGE', `${this.archive.where} holds ${n} images; name one as :<name>:<tag> or :@<index>`, {
      ...(tags.length > 0 && { hint: `tags: ${tags.join(', ')}` }),
    });
  }

  /** Every RepoTags entry in the archive. */
  async tags(): Promise<string[]> {
    return this.archive.tags();
  }

  private async find(reference: string): Promise<number | undefined> {
    const reader = this.archive.reader;
    if (!reader) return undefined;
    if (/^@\d+$/.test(reference)) {
      const i = Number(reference.slice(1));
      return i < reader.items.length ? i : undefined;
    }
    if (isDigest(reference)) return reader.findDigest(reference);
    if (!this.image) throw new RegctlError('USAGE', `${this.archive.where}: name the image as :<name>:<tag> to look up tag ${reference}`);
    return reader.findTag({ ...this.image, tag: reference });
  }

  async getManifest(reference: string): Promise<Manifest> {
    const i = await this.find(reference);
    if (i === undefined) throw new RegctlError('MANIFEST_UNKNOWN', `${this.name}${reference.startsWith('@') ? ':' : isDigest(reference) ? '@' : ':'}${reference}: no such image in the archive`);
    return (await this.archive.reader!.image(i)).manifest;
  }

  async headManifest(reference: string): Promise<Descriptor | undefined> {
    const i = await this.find(reference);
    if (i === undefined) return undefined;
    const m = (await this.archive.reader!.image(i)).manifest;
    return { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
  }

  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const digest = digestOf(bytes);
    if (isDigest(reference) && reference !== digest) throw new RegctlError('DIGEST_MISMATCH', `manifest bytes hash to ${digest}, not ${reference}`);
    const tag = isDigest(reference) ? undefined : reference;
    if (tag !== undefined && !this.image) throw new RegctlError('USAGE', `${this.archive.where}: give the image a name as :<name>:<tag>`);
    await this.archive.addImage(bytes, mediaType, tag !== undefined ? { ...this.image!, tag } : undefined);
    return digest;
  }

  hasBlob(digest: string): Promise<boolean> {
    return this.archive.hasBlob(digest);
  }

  getBlob(digest: string, offset?: number): Promise<BlobReader> {
    if (!this.archive.reader) throw new RegctlError('BLOB_UNKNOWN', `${this.archive.where} has no blob ${digest}`);
    return this.archive.reader.getBlob(digest, offset);
  }

  putBlob(desc: { digest: string; size: number }, open: () => Readable): Promise<void> {
    return this.archive.putBlob(desc, open());
  }

  /** See {@link DockerArchive.commit}. */
  commit(): Promise<void> {
    return this.archive.commit();
  }

  /** See {@link DockerArchive.close}. */
  close(): Promise<void> {
    return this.archive.close();
  }
}
