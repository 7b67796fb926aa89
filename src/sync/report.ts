import type { RateLimit } from '../providers/types.js';
import type { SourceFailure } from './plan.js';
import type { Shard } from './shard.js';

/**
 * What became of one image: `copied` (something was written), `skipped` (every destination
 * already had it), `planned` (a dry run would copy it), `failed`, `deferred` (left for the next
 * run: the source's pull budget ran out or it answered 429), `not-run` (the sync stopped after
 * another failure, without `--keep-going`).
 */
export type ImageStatus = 'copied' | 'skipped' | 'planned' | 'failed' | 'deferred' | 'not-run';

/** One destination of one image. */
export interface DestinationResult {
  /** `registry/repo:tag`. */
  reference: string;
  status: 'copied' | 'skipped' | 'planned' | 'failed';
  digest?: string;
  /** Blob bytes sent there (a dry run: that would be sent). */
  bytes: number;
  /** Blobs sent, mounted from another repository, and found already there. */
  blobs?: { copied: number; mounted: number; skipped: number };
  error?: unknown;
}

/** One image of the report. */
export interface ImageResult {
  /** `registry/repo:tag`, with `@digest` when the tag is pinned. */
  source: string;
  status: ImageStatus;
  /** Why it failed, was deferred or did not run. */
  reason?: string;
  error?: unknown;
  digest?: string;
  /** Blob bytes sent to all its destinations. */
  bytes: number;
  /** Wall time of its copy, in milliseconds. */
  ms: number;
  destinations: DestinationResult[];
}

/** The result of a sync run. */
export interface SyncReport {
  dryRun: boolean;
  shard?: Shard;
  /** Repositories left to the other shards. */
  otherShards: number;
  images: ImageResult[];
  /** Sources whose listing failed: their images are unknown, so not in `images`. */
  sourceFailures: SourceFailure[];
  /** With `--ratelimit-min`, or after a 429: where pulls stopped, and the pulls left then. */
  budget?: { min?: number; stopped: Array<{ registry: string; remaining: number }> };
  /** The last quota each source registry reported (Docker Hub). */
  rateLimits: Record<string, RateLimit>;
  ms: number;
}

/** Images per status, and the bytes sent. */
export function countImages(report: SyncReport): Record<ImageStatus, number> & { bytes: number } {
  const counts = { copied: 0, skipped: 0, planned: 0, failed: 0, deferred: 0, 'not-run': 0, bytes: 0 };
  for (const i of report.images) {
    counts[i.status]++;
    counts.bytes += i.bytes;
  }
  return counts;
}

/**
 * `ok`: everything there is was copied or already there. `failed`: an image or a source listing
 * failed (or did not run after one did). `incomplete`: nothing failed, but images were left for
 * the next run (the pull budget).
 */
export function syncOutcome(report: SyncReport): 'ok' | 'failed' | 'incomplete' {
  const c = countImages(report);
  if (c.failed > 0 || c['not-run'] > 0 || report.sourceFailures.length > 0) return 'failed';
  return c.deferred > 0 ? 'incomplete' : 'ok';
}
