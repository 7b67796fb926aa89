import type { Descriptor } from '../registry/manifest.js';
import { copyBlobToAll, type BlobAction } from './blob.js';
import type { CopyRun, Destination } from './run.js';

/** A planned or finished blob action at one destination. */
export interface BlobOutcome {
  desc: Descriptor;
  action: Promise<BlobAction>;
}

/**
 * Deduplicates blob work by digest across platforms and destinations: a layer shared by every
 * image of an index, going to three registries, is checked once per registry and read once.
 * Work starts as soon as a manifest naming the blob is known, for every destination that lacks
 * that manifest; a destination that turns up later for the same digest gets its own job.
 */
export class BlobJobs {
  private readonly byDigest = new Map<string, Map<Destination, BlobOutcome>>();

  constructor(private readonly run: CopyRun) {}

  /** Starts work on `desc` for those of `dests` that have none yet. */
  schedule(desc: Descriptor, dests: Iterable<Destination>): void {
    let perDest = this.byDigest.get(desc.digest);
    if (!perDest) this.byDigest.set(desc.digest, (perDest = new Map()));
    const fresh = [...dests].filter((d) => !perDest.has(d));
    if (fresh.length === 0) return;
    copyBlobToAll(this.run, desc, fresh).forEach((action, i) => {
      // Awaited later by the manifest that needs it; a failed destination may never ask.
      action.catch(() => undefined);
      perDest.set(fresh[i]!, { desc, action });
    });
  }

  /** The outcome for `digest` at `d`; it must have been scheduled. */
  result(digest: string, d: Destination): Promise<BlobAction> {
    const outcome = this.byDigest.get(digest)?.get(d);
    if (!outcome) return Promise.reject(new Error(`internal: blob ${digest} was never scheduled for ${d.name}`));
    return outcome.action;
  }

  /** Every outcome at `d`, in scheduling order (for the dry-run plan). */
  outcomes(d: Destination): BlobOutcome[] {
    const out: BlobOutcome[] = [];
    for (const perDest of this.byDigest.values()) {
      const o = perDest.get(d);
      if (o) out.push(o);
    }
    return out;
  }

  /** Waits until every job has settled, so nothing is left running when a copy returns. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.byDigest.values()].flatMap((m) => [...m.values()].map((o) => o.action)));
  }
}
