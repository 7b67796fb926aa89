import type { BlobJobs } from './blob-jobs.js';
import type { BlobAction } from './blob.js';
import type { ManifestNode } from './graph.js';
import type { Destination } from './run.js';

/** One blob of a dry-run plan. */
export interface PlannedBlob {
  digest: string;
  size: number;
  mediaType: string;
  /** `skip`: the destination has it; `mount`: same registry, other repository; `copy`: stream it. */
  action: BlobAction;
}

/** What a copy would do at one destination (`--dry-run`). */
export interface CopyPlan {
  blobs: PlannedBlob[];
  /** Digests of the manifests that would be pushed, children before parents. */
  manifests: string[];
  /** Blob bytes that would be uploaded (the `copy` blobs). */
  bytesToCopy: number;
}

/** Collects the plan for `d` once every blob decision (HEADs only) has been made. */
export async function planFor(jobs: BlobJobs, root: ManifestNode, d: Destination): Promise<CopyPlan> {
  const outcomes = jobs.outcomes(d);
  const actions = await Promise.all(outcomes.map((o) => o.action));
  const blobs = outcomes.map((o, i) => ({ digest: o.desc.digest, size: o.desc.size, mediaType: o.desc.mediaType, action: actions[i]! }));
  const manifests: string[] = [];
  const seen = new Set<string>();
  const visit = (n: ManifestNode) => {
    if (seen.has(n.desc.digest)) return;
    seen.add(n.desc.digest);
    n.children.forEach(visit);
    if (n.needs.has(d)) manifests.push(n.desc.digest);
    n.referrers.forEach(visit);
  };
  visit(root);
  const bytesToCopy = blobs.reduce((sum, b) => sum + (b.action === 'copy' ? b.size : 0), 0);
  return { blobs, manifests, bytesToCopy };
}
