/**
 * Images in a `docker save` archive, presented as registry images. An archive holds no
 * manifests, so each image gets one generated the way skopeo does (containers/image
 * docker/internal/tarfile/src.go): a Docker schema 2 manifest whose config is the config file
 * as stored (so the config digest survives) and whose layers are addressed by their diff_ids,
 * i.e. by the digest of the uncompressed tar. A compressed layer file is decompressed when read,
 * so the bytes always match that digest. Unlike skopeo, the layers are labelled with the
 * uncompressed media type, because that is what they are.
 */
import { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import { createDigester, digestOf, parseDigest } from '../ref/digest.js';
import { quote } from '../ref/quote.js';
import type { BlobReader } from '../registry/blobs.js';
import { MAX_MANIFEST_BYTES, parseManifest, type Manifest } from '../registry/manifest.js';
import { MediaType } from '../registry/media-types.js';
import { decompressed } from './tar-compression.js';
import { configDiffIds, parseArchiveManifest, parseConfig, repoTagMatches, type ArchiveItem } from './docker-archive-format.js';
import type { TarEntry, TarIndex } from './tar-index.js';

/** Media type of an uncompressed Docker layer (containerd images.MediaTypeDockerSchema2Layer). */
export const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';
/** Image configs beyond this are refused; real ones are a few KiB. */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** What is known about an image without reading its layers. */
export interface ArchiveImageMeta {
  item: ArchiveItem;
  configBytes: Buffer;
  configDigest: string;
  config: Record<string, unknown>;
  diffIds: string[];
}

/** An image with its generated manifest and where each layer's data lives. */
export interface ArchiveImage extends ArchiveImageMeta {
  manifest: Manifest;
  layers: Map<string, { entry: TarEntry; path: string; size: number }>;
}

/** Reads the images of one indexed archive; `where` names it in messages. */
export class DockerArchiveReader {
  private metas = new Map<number, Promise<ArchiveImageMeta>>();
  private images = new Map<number, Promise<ArchiveImage>>();

  private constructor(readonly tar: TarIndex, readonly where: string, readonly items: ArchiveItem[]) {}

  /** Reads manifest.json; INVALID_INPUT when the archive is not a `docker save` archive. */
  static async open(tar: TarIndex, where: string): Promise<DockerArchiveReader> {
    if (!tar.resolve('manifest.json')) {
      if (tar.resolve('repositories')) {
        throw new RegctlError('UNSUPPORTED', `${where} is in the format of docker before 1.10 (no manifest.json); load and save it again with a newer docker`);
      }
      throw new RegctlError('INVALID_INPUT', `${where} is not a docker archive: it has no manifest.json`, {
        hint: tar.resolve('index.json') ? 'it looks like an OCI archive: use oci-archive:' : 'a docker archive is what `docker save` writes',
      });
    }
    const items = parseArchiveManifest(await tar.read('manifest.json', MAX_MANIFEST_BYTES, 'manifest.json'), where);
    return new DockerArchiveReader(tar, where, items);
  }

  /** Every RepoTags entry, as written. */
  tags(): string[] {
    return this.items.flatMap((i) => i.RepoTags ?? []);
  }

  /** The index of the image tagged `ref` (the last one, as `docker load` would leave it). */
  findTag(ref: { registry: string; repository: string; tag: string }): number | undefined {
    const i = this.items.findLastIndex((item) => (item.RepoTags ?? []).some((t) => repoTagMatches(t, ref)));
    return i < 0 ? undefined : i;
  }

  /** The index of the image whose generated manifest has `digest`. */
  async findDigest(digest: string): Promise<number | undefined> {
    for (let i = 0; i < this.items.length; i++) if ((await this.image(i)).manifest.digest === digest) return i;
    return undefined;
  }

  /** Config and diff_ids of image `i`, read once. */
  meta(i: number): Promise<ArchiveImageMeta> {
    let p = this.metas.get(i);
    if (!p) this.metas.set(i, (p = this.readMeta(i)));
    return p;
  }

  /** Image `i` with its generated manifest, read once. */
  image(i: number): Promise<ArchiveImage> {
    let p = this.images.get(i);
    if (!p) this.images.set(i, (p = this.readImage(i)));
    return p;
  }

  private async readMeta(i: number): Promise<ArchiveImageMeta> {
    const item = this.items[i];
    if (!item) throw new RegctlError('NOT_FOUND', `${this.where} has no image #${i}`);
    const configBytes = await this.tar.read(item.Config, MAX_CONFIG_BYTES, `config ${quote(item.Config)}`);
    const configDigest = digestOf(configBytes);
    // docker 25+ names blobs by digest: a config that does not match its name was tampered with.
    const named = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(item.Config);
    if (named && `sha256:${named[1]}` !== configDigest) {
      throw new RegctlError('DIGEST_MISMATCH', `${this.where}: config ${item.Config} has digest ${configDigest}`);
    }
    const config = parseConfig(configBytes, `${this.where}: config ${item.Config}`);
    const diffIds = configDiffIds(config, `${this.where}: config ${item.Config}`);
    if (diffIds.length !== item.Layers.length) {
      throw new RegctlError('INVALID_INPUT', `${this.where}: image ${i} lists ${item.Layers.length} layers but its config has ${diffIds.length} diff_ids`);
    }
    return { item, configBytes, configDigest, config, diffIds };
  }

  private async readImage(i: number): Promise<ArchiveImage> {
    const meta = await this.meta(i);
    const layers = new Map<string, { entry: TarEntry; path: string; size: number }>();
    for (const [n, diffId] of meta.diffIds.entries()) {
      if (layers.has(diffId)) continue; // the same layer twice in one image: one blob serves both
      const path = meta.item.Layers[n]!;
      const entry = this.tar.file(path, `layer ${n} of image ${i}`);
      layers.set(diffId, { entry, path, size: await this.uncompressedSize(entry, diffId, `${this.where}: layer ${path}`) });
    }
    const doc = {
      schemaVersion: 2,
      mediaType: MediaType.DockerManifest,
      config: { mediaType: MediaType.DockerConfig, size: meta.configBytes.length, digest: meta.configDigest },
      layers: meta.diffIds.map((d) => ({ mediaType: DOCKER_LAYER_TAR, size: layers.get(d)!.size, digest: d })),
    };
    const bytes = Buffer.from(JSON.stringify(doc));
    const parsed = parseManifest(bytes, MediaType.DockerManifest);
    return { ...meta, layers, manifest: { mediaType: parsed.mediaType, digest: digestOf(bytes), bytes, parsed: parsed.parsed } };
  }

  /**
   * A plain layer's size is its entry's; a compressed one has to be decompressed once to know
   * (as skopeo does), which also checks it against its diff_id before anything is copied.
   */
  private async uncompressedSize(entry: TarEntry, diffId: string, what: string): Promise<number> {
    const { stream, compression } = await decompressed(this.tar.stream(entry), what);
    if (compression === 'none') {
      stream.destroy();
      return entry.size;
    }
    let size = 0;
    const digester = createDigester(parseDigest(diffId).algorithm);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      digester.update(chunk);
    }
    const actual = digester.digest();
    if (actual !== diffId) throw new RegctlError('DIGEST_MISMATCH', `${what} decompresses to ${actual}, but the config says ${diffId}`);
    return size;
  }

  /** Whether some image has a config or layer with this digest (reads configs, not layers). */
  async hasBlob(digest: string): Promise<boolean> {
    for (let i = 0; i < this.items.length; i++) {
      const m = await this.meta(i);
      if (m.configDigest === digest || m.diffIds.includes(digest)) return true;
    }
    return false;
  }

  /** Streams a config or (uncompressed) layer. A compressed layer is always read from the start. */
  async getBlob(digest: string, offset = 0): Promise<BlobReader> {
    for (let i = 0; i < this.items.length; i++) {
      const m = await this.meta(i);
      if (m.configDigest === digest) {
        const start = Math.min(offset, m.configBytes.length);
        return { stream: Readable.from([m.configBytes.subarray(start)]), start, length: m.configBytes.length - start };
      }
      if (!m.diffIds.includes(digest)) continue;
      const layer = (await this.image(i)).layers.get(digest)!;
      const what = `${this.where}: layer ${layer.path}`;
      const head = await decompressed(this.tar.stream(layer.entry, 0), what);
      if (head.compression !== 'none' || offset === 0) return { stream: head.stream, start: 0, length: layer.size };
      head.stream.destroy();
      const start = Math.min(offset, layer.size);
      return { stream: this.tar.stream(layer.entry, start), start, length: layer.size - start };
    }
    throw new RegctlError('BLOB_UNKNOWN', `${this.where} has no blob ${digest}`);
  }
}
