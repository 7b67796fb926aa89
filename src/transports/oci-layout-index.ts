/**
 * The `index.json` of an OCI image layout (image-spec image-layout.md): an image index whose
 * entries name images through the `org.opencontainers.image.ref.name` annotation. Pure
 * functions; reading and writing the file live in the layout reader and writer.
 */
import { RegctlError } from '../errors.js';
import { isDigest, parseDigest } from '../ref/digest.js';
import { quote } from '../ref/quote.js';
import { isValidTag } from '../ref/tag.js';
import { parseManifest, type Descriptor, type IndexManifest } from '../registry/manifest.js';
import { MediaType, isIndexType } from '../registry/media-types.js';

/** The annotation that gives an index.json entry its name (image-spec annotations.md). */
export const REF_NAME = 'org.opencontainers.image.ref.name';

/** The content of the `oci-layout` marker file regctl writes. */
export const OCI_LAYOUT_FILE = Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }));

/** An empty index.json. */
export function emptyLayoutIndex(): IndexManifest {
  return { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
}

/** Where a blob lives inside a layout: `blobs/<algorithm>/<hex>`. The digest is validated first. */
export function blobPath(digest: string): string {
  const { algorithm, hex } = parseDigest(digest, 'INVALID_INPUT');
  return `blobs/${algorithm}/${hex}`;
}

/** Parses index.json, which must be an image index; `where` names the layout in messages. */
export function parseLayoutIndex(bytes: Buffer, where: string): IndexManifest {
  let parsed;
  try {
    parsed = parseManifest(bytes, MediaType.OciIndex);
  } catch (e) {
    throw new RegctlError('INVALID_INPUT', `${where}: index.json is invalid: ${(e as Error).message}`);
  }
  if (!isIndexType(parsed.mediaType)) throw new RegctlError('INVALID_INPUT', `${where}: index.json is not an image index`);
  return parsed.parsed as IndexManifest;
}

/** The tags (ref names) in an index, in order, without duplicates. */
export function layoutTags(index: IndexManifest): string[] {
  return [...new Set(index.manifests.map((d) => d.annotations?.[REF_NAME]).filter((t): t is string => t !== undefined))];
}

/** The entry named `tag`; the last one wins if a foreign writer left several. */
export function findTag(index: IndexManifest, tag: string): Descriptor | undefined {
  return index.manifests.findLast((d) => d.annotations?.[REF_NAME] === tag);
}

/**
 * A copy of `index` where `tag` names `desc`: entries previously named `tag` are dropped, and so
 * is an unnamed entry for the same digest, which the named one supersedes.
 */
export function withTag(index: IndexManifest, desc: Descriptor, tag: string): IndexManifest {
  const manifests = index.manifests.filter((d) => {
    const name = d.annotations?.[REF_NAME];
    return name !== tag && !(name === undefined && d.digest === desc.digest);
  });
  const entry: Descriptor = {
    mediaType: desc.mediaType, digest: desc.digest, size: desc.size,
    ...(desc.platform && { platform: desc.platform }),
    annotations: { ...desc.annotations, [REF_NAME]: tag },
  };
  return { ...index, manifests: [...manifests, entry] };
}

/**
 * Checks a reference given for a layout: a tag (any ref name the spec allows is a superset of
 * tags; regctl writes tags only) or a digest.
 */
export function checkLayoutReference(reference: string, where: string): void {
  if (!isDigest(reference) && !isValidTag(reference)) {
    throw new RegctlError('INVALID_REFERENCE', `${where}: ${quote(reference)} is neither a tag nor a digest`);
  }
}

/**
 * What a layout reference without a tag means, as skopeo reads it: the only image when there is
 * one; otherwise the one tagged `latest`, as for registry references. Returns a tag or digest.
 */
export function defaultLayoutReference(index: IndexManifest, where: string): string {
  if (index.manifests.length === 1) return index.manifests[0]!.digest;
  if (findTag(index, 'latest')) return 'latest';
  const tags = layoutTags(index);
  throw new RegctlError('USAGE', `${where} holds ${index.manifests.length} images; name one with :<tag>`, {
    ...(tags.length > 0 && { hint: `tags: ${tags.join(', ')}` }),
  });
}
