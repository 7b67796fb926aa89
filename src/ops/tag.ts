import { assertValidTag, manifestReference, type ImageReference } from '../ref/reference.js';
import type { Registry } from '../registry/registry.js';

/**
 * Points each new tag at the manifest `ref` names, in the same repository. The manifest bytes are
 * pushed as fetched, so the digest is unchanged and no blob moves.
 */
export async function tagImage(registry: Registry, ref: ImageReference, tags: string[]): Promise<string> {
  for (const t of tags) assertValidTag(t);
  const m = await registry.getManifest(ref.repository, manifestReference(ref));
  for (const t of tags) await registry.putManifest(ref.repository, t, m.bytes, m.mediaType);
  return m.digest;
}
