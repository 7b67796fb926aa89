import { platformMatches, formatPlatform } from '../copy/platform.js';
import { RegctlError } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import { isIndex, type Manifest, type Platform } from '../registry/manifest.js';
import type { ImageReference } from '../ref/reference.js';
import { manifestReference } from '../ref/reference.js';

/**
 * Fetches the manifest a reference names and, with a platform, the matching image of an index.
 * Returns the index itself when no platform is asked for.
 */
export async function resolveManifest(registry: Registry, ref: ImageReference, platform?: Platform): Promise<Manifest> {
  const root = await registry.getManifest(ref.repository, manifestReference(ref));
  if (!platform || !isIndex(root)) return root;
  const match = root.parsed.manifests.find((d) => platformMatches(platform, d.platform));
  if (!match) {
    const have = root.parsed.manifests.map((d) => (d.platform ? formatPlatform(d.platform) : 'unknown')).join(', ');
    throw new RegctlError('NOT_FOUND', `${ref.registry}/${ref.repository} has no ${formatPlatform(platform)} image (it has: ${have || 'none'})`);
  }
  return registry.getManifest(ref.repository, match.digest);
}

/**
 * The digest a reference names, with as little traffic as possible: a HEAD unless a platform
 * must be picked out of an index (Docker Hub counts GETs, not HEADs, against its rate limit).
 */
export async function resolveDigest(registry: Registry, ref: ImageReference, platform?: Platform): Promise<string> {
  if (ref.digest && !platform) return ref.digest;
  if (!platform) {
    const d = await registry.headManifest(ref.repository, manifestReference(ref));
    if (!d) throw new RegctlError('MANIFEST_UNKNOWN', `${ref.registry}/${ref.repository}:${ref.tag}: manifest unknown`);
    return d.digest;
  }
  return (await resolveManifest(registry, ref, platform)).digest;
}
