/**
 * Reading an OCI image layout (image-spec image-layout.md) through {@link LayoutFiles}: tags from
 * index.json, manifests and blobs from `blobs/<alg>/<hex>`. Manifests are verified against their
 * digest here; blob content is verified by whoever streams it (the copy engine does).
 */
import { RegctlError } from '../errors.js';
import { isDigest, verifyContent } from '../ref/digest.js';
import { quote } from '../ref/quote.js';
import type { BlobReader } from '../registry/blobs.js';
import { MAX_MANIFEST_BYTES, parseManifest, type Descriptor, type IndexManifest, type Manifest } from '../registry/manifest.js';
import type { LayoutFiles } from './oci-layout-files.js';
import { blobPath, emptyLayoutIndex, findTag, parseLayoutIndex } from './oci-layout-index.js';

/** Read operations on one layout; `where` (e.g. `oci:/tmp/img`) names it in messages. */
export class OciLayoutReader {
  constructor(private readonly files: LayoutFiles, readonly where: string) {}

  /** Throws INVALID_INPUT unless the files carry the `oci-layout` marker of image-spec 1.x. */
  async checkLayout(): Promise<void> {
    if ((await this.files.size('oci-layout')) === undefined && (await this.files.size('index.json')) === undefined) {
      throw new RegctlError('NOT_FOUND', `${this.where}: no OCI image layout there`, {
        hint: 'an OCI layout has an oci-layout file, index.json and a blobs/ directory',
      });
    }
    let marker: { imageLayoutVersion?: unknown };
    try {
      marker = JSON.parse((await this.files.read('oci-layout', 64 * 1024, 'oci-layout file')).toString('utf8')) as typeof marker;
    } catch (e) {
      throw new RegctlError('INVALID_INPUT', `${this.where} is not an OCI image layout: ${(e as Error).message}`, {
        hint: 'an OCI layout has an oci-layout file, index.json and a blobs/ directory',
      });
    }
    if (typeof marker?.imageLayoutVersion !== 'string' || !marker.imageLayoutVersion.startsWith('1.')) {
      throw new RegctlError('UNSUPPORTED', `${this.where}: unsupported imageLayoutVersion ${quote(String(marker?.imageLayoutVersion))}`);
    }
  }

  /** The parsed index.json; empty while a layout being created has none yet. */
  async index(): Promise<IndexManifest> {
    if ((await this.files.size('index.json')) === undefined) return emptyLayoutIndex();
    return parseLayoutIndex(await this.files.read('index.json', MAX_MANIFEST_BYTES, 'index.json'), this.where);
  }

  /** The descriptor a tag or digest names, or undefined. A digest need not be in index.json. */
  async find(reference: string): Promise<Descriptor | undefined> {
    if (!isDigest(reference)) return findTag(await this.index(), reference);
    const indexed = (await this.index()).manifests.find((d) => d.digest === reference);
    if (indexed) return indexed;
    const size = await this.files.size(blobPath(reference));
    if (size === undefined) return undefined;
    const m = await this.manifestByDigest(reference, undefined, size);
    return { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
  }

  /** The manifest a tag or digest names, verified against its digest. */
  async getManifest(reference: string): Promise<Manifest> {
    const desc = await this.find(reference);
    if (!desc) {
      throw new RegctlError('MANIFEST_UNKNOWN', `${this.where}${isDigest(reference) ? '@' : ':'}${reference}: manifest unknown`);
    }
    return this.manifestByDigest(desc.digest, desc.mediaType, desc.size);
  }

  private async manifestByDigest(digest: string, mediaType: string | undefined, size: number): Promise<Manifest> {
    const what = `manifest ${digest}`;
    if (size > MAX_MANIFEST_BYTES) throw new RegctlError('TOO_LARGE', `${this.where}: ${what} declares ${size} bytes`);
    const bytes = await this.files.read(blobPath(digest), MAX_MANIFEST_BYTES, what);
    verifyContent(bytes, digest, `${this.where}: ${what}`);
    const parsed = parseManifest(bytes, mediaType);
    return { mediaType: parsed.mediaType, digest, bytes, parsed: parsed.parsed };
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await this.files.size(blobPath(digest))) !== undefined;
  }

  async getBlob(digest: string, offset = 0): Promise<BlobReader> {
    const path = blobPath(digest);
    if ((await this.files.size(path)) === undefined) throw new RegctlError('BLOB_UNKNOWN', `${this.where} has no blob ${digest}`);
    const { stream, size } = await this.files.stream(path, offset, `blob ${digest}`);
    return { stream, start: Math.min(offset, size), length: Math.max(0, size - offset) };
  }
}
