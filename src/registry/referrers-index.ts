import type { RegistryConnection } from './connection.js';
import type { Descriptor, IndexManifest } from './manifest.js';
import { putManifest } from './manifests.js';
import { MediaType } from './media-types.js';
import { listReferrers, referrersTag } from './referrers.js';

/**
 * Makes `add` findable as referrers of `subject` in `repo`. A registry with the referrers API
 * indexes pushed manifests itself, so nothing is written. Without it (CNCF distribution 2.8),
 * OCI distribution-spec 1.1 has the client keep an index under the fallback tag
 * `<alg>-<hex>`: entries already there are kept and new ones appended, never replaced, so
 * signatures pushed by other tools survive. Returns the new fallback index's digest when it was
 * written, undefined when nothing had to be.
 * Two clients updating one tag at the same moment can still lose an entry: the spec offers no
 * compare-and-swap for tags.
 */
export async function indexReferrers(conn: RegistryConnection, repo: string, subject: string, add: Descriptor[]): Promise<string | undefined> {
  const current = await listReferrers(conn, repo, subject);
  if (current.source === 'api') return undefined;
  const known = new Set(current.manifests.map((d) => d.digest));
  const missing = add.filter((d) => !known.has(d.digest) && known.add(d.digest));
  if (missing.length === 0) return undefined;
  const index: IndexManifest = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [...current.manifests, ...missing.map(referrerEntry)] };
  return putManifest(conn, repo, referrersTag(subject), Buffer.from(JSON.stringify(index)), MediaType.OciIndex);
}

/** The fields a referrers index entry carries (distribution-spec "Listing Referrers"). */
function referrerEntry(d: Descriptor): Descriptor {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(d.artifactType && { artifactType: d.artifactType }),
    ...(d.annotations && { annotations: d.annotations }),
  };
}
