import { platformMatches, formatPlatform } from '../copy/platform.js';
import { RegctlError } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import { isIndex, type Manifest, type Platform } from '../registry/manifest.js';
import type { ImageReference } from '../ref/reference.js';
import { manifestReference } from '../ref/reference.js';
import { isDigest } from '../ref/digest.js';
import { RegistryRepository } from '../transports/registry.js';
import type { ImageRepository } from '../transports/types.js';

/**
 * Fetches the manifest a reference names and, with a platform, the matching image of an index.
 * Returns the index itself when no platform is asked for.
 */
export async function resolveManifest(registry: Registry, ref: ImageReference, platform?: Platform): Promise<Manifest> {
  return resolveManifestIn(new RegistryRepository(registry, ref.repository), manifestReference(ref), platform);
}

/** {@link resolveManifest} for an image anywhere: a registry, an OCI layout or an archive. */
export async function resolveManifestIn(repo: ImageRepository, reference: string, platform?: Platform): Promise<Manifest> {
  const root = await repo.getManifest(reference);
  if (!platform || !isIndex(root)) return root;
  const match = root.parsed.manifests.find((d) => platformMatches(platform, d.platform));
  if (!match) {
    const have = root.parsed.manifests.map((d) => (d.platform ? formatPlatform(d.platform) : 'unknown')).join(', ');
    throw new RegctlError('NOT_FOUND', `${repo.name} has no ${formatPlatform(platform)} image (it has: ${have || 'none'})`);
  }
  return repo.getManifest(match.digest);
}

/**
 * The digest a reference names, with as little traffic as possible: a HEAD unless a platform
 * must be picked out of an index (Docker Hub counts GETs, not HEADs, against its rate limit).
 */
export async function resolveDigest(registry: Registry, ref: ImageReference, platform?: Platform): Promise<string> {
  return resolveDigestIn(new RegistryRepository(registry, ref.repository), manifestReference(ref), platform);
}

/** {@link resolveDigest} for an image anywhere. */
export async function resolveDigestIn(repo: ImageRepository, reference: string, platform?: Platform): Promise<string> {
  if (isDigest(reference) && !platform) return reference;
  if (!platform) {
    const d = await repo.headManifest(reference);
    if (!d) throw new RegctlError('MANIFEST_UNKNOWN', `${repo.name}:${reference}: manifest unknown`);
    return d.digest;
  }
  return (await resolveManifestIn(repo, reference, platform)).digest;
}
