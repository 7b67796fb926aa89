import { randomUUID } from 'node:crypto';
import { RegctlError, isRegctlError } from '../errors.js';
import type { Logger } from '../log.js';
import { digestOf } from '../ref/digest.js';
import { MediaType } from '../registry/media-types.js';
import type { Registry } from '../registry/registry.js';

/** How a tag was removed: the provider's own API, `DELETE` by tag, or a placeholder manifest. */
export type UntagMethod = 'provider-api' | 'delete-by-tag' | 'placeholder';

/** The OCI empty JSON blob, `{}`: the config of placeholder manifests (image-spec 1.1). */
const EMPTY_JSON = Buffer.from('{}');

/**
 * Removes one tag and nothing else. First the provider's untag hook, if it has one. Then
 * `DELETE /v2/<repo>/manifests/<tag>` (OCI
 * distribution 1.1 allows it). Registries that refuse it (distribution 2.8 and many others
 * answer UNSUPPORTED or 400/405) get regctl's known workaround from REGISTRIES.md ("Tag delete
 * when the registry refuses DELETE by tag"): point the tag at a unique placeholder manifest,
 * then delete that manifest by digest, which removes the tag while other tags of the old image
 * stay. If that last delete fails the placeholder stays behind, and the caller is warned.
 */
export async function untag(registry: Registry, repo: string, tag: string, logger?: Logger): Promise<UntagMethod> {
  // A provider's own untag API comes first (Docker Hub, Harbor, ECR, ACR: REGISTRIES.md "Tag
  // delete when the registry refuses DELETE by tag" prefers them); false means "not here".
  const conn = registry.connection;
  const provider = await conn.provider();
  if (provider.untag && (await provider.untag(conn, repo, tag, await conn.providerContext()))) {
    logger?.debug(`${registry.host}: removed ${repo}:${tag} through the ${provider.name} API`);
    return 'provider-api';
  }
  try {
    await registry.deleteManifest(repo, tag);
    return 'delete-by-tag';
  } catch (e) {
    if (!isRegctlError(e, 'UNSUPPORTED', 'REGISTRY_ERROR', 'DIGEST_MISMATCH', 'INVALID_INPUT') || (e.status !== undefined && e.status >= 500)) throw e;
  }
  // Registries that refuse DELETE by tag refuse it for tags that do not exist too; without this
  // check a typo would be "removed" by creating the tag and deleting it again.
  if ((await registry.headManifest(repo, tag)) === undefined) {
    throw new RegctlError('MANIFEST_UNKNOWN', `${registry.host}/${repo}:${tag}: no such tag`, { status: 404 });
  }
  logger?.info(`${registry.host} refuses DELETE by tag; removing ${repo}:${tag} through a placeholder manifest`);
  const emptyDigest = digestOf(EMPTY_JSON);
  if ((await registry.headBlob(repo, emptyDigest)) === undefined) {
    await registry.uploadBlob(repo, { digest: emptyDigest, size: EMPTY_JSON.length }, () => EMPTY_JSON);
  }
  const placeholder = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciEmpty, digest: emptyDigest, size: EMPTY_JSON.length },
    layers: [],
    annotations: { 'org.opencontainers.image.description': 'regctl untag placeholder', 'dev.regctl.untag': randomUUID() },
  }));
  const digest = await registry.putManifest(repo, tag, placeholder, MediaType.OciManifest);
  try {
    await registry.deleteManifest(repo, digest);
  } catch (e) {
    logger?.warn(`tag ${repo}:${tag} now points at placeholder ${digest}, which ${registry.host} refused to delete: ${(e as Error).message}`);
    throw e;
  }
  return 'placeholder';
}

/**
 * Deletes a manifest by digest, and with it every tag that points at it. The provider's hook
 * comes first where one DELETE is not enough (Artifact Registry refuses while tags remain:
 * `GOOGLE_MANIFEST_DANGLING_TAG`, REGISTRIES.md); otherwise the plain `DELETE`.
 */
export async function deleteManifestByDigest(registry: Registry, repo: string, digest: string): Promise<void> {
  const conn = registry.connection;
  const provider = await conn.provider();
  if (provider.deleteManifest && (await provider.deleteManifest(conn, repo, digest, await conn.providerContext()))) return;
  await registry.deleteManifest(repo, digest);
}
