import { isIndex, type Descriptor, type Manifest } from '../registry/manifest.js';
import type { BlobJobs } from './blob-jobs.js';
import type { CopyRun, Destination } from './run.js';

/** One manifest of the graph being copied. */
export interface ManifestNode {
  desc: Descriptor;
  /** Absent when every destination already has this manifest, so it was never fetched. */
  manifest?: Manifest;
  /** Child manifests of an index. */
  children: ManifestNode[];
  /** Config and layers of an image manifest. */
  blobs: Descriptor[];
  /** Manifests whose subject is this one (with `--referrers`). */
  referrers: ManifestNode[];
  /** Destinations that lack this manifest, so need it and everything it references. */
  needs: Set<Destination>;
}

/**
 * Walks the source graph: index -> manifests -> config and layers, and with `--referrers` the
 * referrers of each manifest, recursively. Each child manifest is first HEADed at every
 * destination that needs its parent; one that is already there (say, from a copy that was
 * killed halfway) is neither fetched from the source nor checked blob by blob, since a registry
 * only accepts a manifest whose blobs it has. `--force` trusts nothing and checks every blob.
 * Blob work is scheduled the moment a manifest is known, so transfers overlap the walk.
 */
export class GraphWalker {
  private readonly nodes = new Map<string, Promise<ManifestNode>>();

  constructor(private readonly run: CopyRun, private readonly jobs: BlobJobs, private readonly all: Destination[]) {}

  /** Loads the root (already fetched, or undefined when no destination needs it) and below. */
  root(desc: Descriptor, manifest: Manifest | undefined, needs: Destination[]): Promise<ManifestNode> {
    return this.load(desc, needs, manifest);
  }

  private load(desc: Descriptor, needs: Destination[], manifest?: Manifest): Promise<ManifestNode> {
    let node = this.nodes.get(desc.digest);
    if (!node) this.nodes.set(desc.digest, (node = this.build(desc, needs, manifest)));
    return node;
  }

  private async build(desc: Descriptor, candidates: Destination[], given?: Manifest): Promise<ManifestNode> {
    const { src, settings } = this.run;
    const needs = new Set(given || settings.force ? candidates : await this.lacking(desc.digest, candidates));
    const manifest = given ?? (needs.size > 0 ? await this.run.small(src)(() => src.getManifest(desc.digest)) : undefined);
    const node: ManifestNode = { desc, children: [], blobs: [], referrers: [], needs };
    if (manifest) {
      node.manifest = manifest;
      if (isIndex(manifest)) {
        node.children = await Promise.all(manifest.parsed.manifests.map((d) => this.load(d, [...needs])));
      } else if ('config' in manifest.parsed) {
        node.blobs = [manifest.parsed.config, ...manifest.parsed.layers];
        for (const b of node.blobs) this.jobs.schedule(b, needs);
      }
    }
    if (settings.referrers && src.listReferrers) {
      // Every destination, not just those lacking the subject: a signature may be newer than the image.
      const live = this.all.filter((d) => d.failure === undefined);
      const refs = await this.run.small(src)(() => src.listReferrers!(desc.digest));
      node.referrers = await Promise.all(refs.map((r) => this.load(r, live)));
    }
    return node;
  }

  /** The candidates that do not have the manifest; one whose HEAD fails is marked failed. */
  private async lacking(digest: string, candidates: Destination[]): Promise<Destination[]> {
    const present = await Promise.all(candidates.map(async (d) => {
      try {
        return (await this.run.small(d.repository)(() => d.repository.headManifest(digest))) !== undefined;
      } catch (e) {
        this.run.fail(d, e);
        return true;
      }
    }));
    return candidates.filter((_, i) => !present[i]);
  }
}
