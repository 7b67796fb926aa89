import { referrersTag } from '../registry/referrers.js';
import type { BlobJobs } from './blob-jobs.js';
import type { ManifestNode } from './graph.js';
import type { CopyRun, Destination } from './run.js';

/**
 * Pushes manifests to one destination in dependency order: a manifest only once every blob
 * and child manifest it references is verified there, and a referrer only after its subject.
 * Each manifest is pushed at most once per destination.
 */
export class ManifestPusher {
  private readonly pushed = new Map<string, Promise<boolean>>();

  constructor(private readonly run: CopyRun, private readonly jobs: BlobJobs) {}

  /** Everything `node` references is at `d` (its own manifest not included). */
  async content(node: ManifestNode, d: Destination): Promise<void> {
    if (!node.needs.has(d)) return;
    // Every sibling settles before the first failure is reported: with Promise.all a copy could
    // return (and the CLI exit) while a sibling manifest was still being written, leaving a
    // temporary file in an OCI layout (found by the fault suite, docs/reliability.md).
    let failed: { reason: unknown } | undefined;
    await Promise.allSettled([
      ...node.blobs.map((b) => this.jobs.result(b.digest, d)),
      ...node.children.map((c) => this.manifest(c, d)),
    ].map((p) => p.catch((reason: unknown) => {
      failed ??= { reason };
      throw reason;
    })));
    if (failed) throw failed.reason;
  }

  /**
   * `node` is at `d` by digest, pushed after its content unless it was there already. Resolves
   * to true when this call pushed it.
   */
  manifest(node: ManifestNode, d: Destination): Promise<boolean> {
    const key = `${d.index} ${node.desc.digest}`;
    let p = this.pushed.get(key);
    if (!p) {
      p = (async () => {
        await this.content(node, d);
        if (!node.needs.has(d)) return false;
        await this.put(node, d, node.desc.digest);
        return true;
      })();
      this.pushed.set(key, p);
    }
    return p;
  }

  /** Pushes `node`'s bytes under `reference` (a digest or the destination tag). */
  async put(node: ManifestNode, d: Destination, reference: string): Promise<void> {
    const m = node.manifest;
    if (!m) throw new Error(`internal: manifest ${node.desc.digest} was not fetched`);
    // A destination that already failed somewhere gets nothing more, least of all its tag.
    if (d.failure !== undefined) throw d.failure;
    await this.run.small(d.repository)(() => d.repository.putManifest(reference, m.bytes, m.mediaType));
    d.stats.manifestsPushed++;
    this.run.emit({ type: 'manifest-put', digest: m.digest, reference, destination: d.name });
  }

  /**
   * Copies the referrers of `node` and of everything below it, recursively, after their
   * subjects. Where the destination lacks the referrers API, each subject's fallback index is
   * updated with what it now has.
   */
  async referrers(node: ManifestNode, d: Destination): Promise<void> {
    await Promise.all(node.children.map((c) => this.referrers(c, d)));
    if (node.referrers.length === 0) return;
    await Promise.all(node.referrers.map(async (r) => {
      if (await this.manifest(r, d)) d.stats.referrersCopied++;
      await this.referrers(r, d);
    }));
    const repo = d.repository;
    if (!repo.indexReferrers) return;
    const written = await this.run.small(repo)(() => repo.indexReferrers!(node.desc.digest, node.referrers.map((r) => r.desc)));
    if (written) {
      d.stats.manifestsPushed++;
      this.run.emit({ type: 'manifest-put', digest: written, reference: referrersTag(node.desc.digest), destination: d.name });
    }
  }
}
