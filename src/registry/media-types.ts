/** Media types regctl understands (OCI image-spec 1.1 and Docker's v2 schema 2). */
export const MediaType = {
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciEmpty: 'application/vnd.oci.empty.v1+json',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  DockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
} as const;

const INDEX_TYPES = new Set<string>([MediaType.OciIndex, MediaType.DockerManifestList]);
const IMAGE_TYPES = new Set<string>([MediaType.OciManifest, MediaType.DockerManifest]);

/**
 * Every manifest type we can handle, sent in `Accept` on every manifest request. ECR converts a
 * manifest pulled by tag when `Accept` lacks its stored type (REGISTRIES.md, ECR "Manifests"),
 * which would change the digest, so the list is always complete.
 */
export const MANIFEST_ACCEPT = [
  MediaType.OciIndex,
  MediaType.OciManifest,
  MediaType.DockerManifestList,
  MediaType.DockerManifest,
].join(', ');

/** True for an image index or a Docker manifest list. */
export function isIndexType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && INDEX_TYPES.has(mediaType);
}

/** True for a single-image manifest (OCI or Docker schema 2). */
export function isImageManifestType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && IMAGE_TYPES.has(mediaType);
}

/** True for any manifest type in {@link MANIFEST_ACCEPT}. */
export function isKnownManifestType(mediaType: string | undefined): boolean {
  return isIndexType(mediaType) || isImageManifestType(mediaType);
}
