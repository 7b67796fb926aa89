import type { Limiter, PriorityLimiter } from './limit.js';
import type { ImageRepository } from '../transports/types.js';
import type { CopyEvent, CopyListener } from './events.js';
import { TransferLimits } from './limits.js';

/** Counts of what a copy did at one destination. */
export interface CopyStats {
  blobsCopied: number;
  blobsMounted: number;
  blobsSkipped: number;
  /** Blob bytes uploaded to this destination (mounts and skips excluded). */
  bytesCopied: number;
  /** Manifests pushed, by digest or tag (referrers and fallback indexes included). */
  manifestsPushed: number;
  /** Referrer manifests pushed. */
  referrersCopied: number;
}

/** One destination as the engine tracks it. */
export interface Destination {
  /** Position in the list of targets. */
  index: number;
  repository: ImageRepository;
  tag?: string;
  /** `<repo name>:<tag>`, or `<repo name>@<digest>` once the digest is known. */
  name: string;
  stats: CopyStats;
  /** The first error that doomed this destination; it is then left alone. */
  failure?: unknown;
}

/** Settings of one copy run. */
export interface RunSettings {
  force: boolean;
  dryRun: boolean;
  referrers: boolean;
}

/** Shared state of one copy run from one source to its destinations. */
export class CopyRun {
  constructor(
    readonly src: ImageRepository,
    readonly settings: RunSettings,
    readonly limits: TransferLimits,
    private readonly listener: CopyListener | undefined,
  ) {}

  /** Sends an event to the listener; a listener that throws does not break the copy. */
  emit(event: CopyEvent): void {
    try {
      this.listener?.(event);
    } catch {
      // A progress display failing is no reason to fail the copy.
    }
  }

  /** The small-request limiter for a repository's registry. */
  small(repo: ImageRepository): Limiter {
    return this.limits.small(hostOf(repo));
  }

  /** The blob limiter for a repository's registry (priority: the blob size). */
  blobs(repo: ImageRepository): PriorityLimiter {
    return this.limits.blobs(hostOf(repo));
  }

  /** Records the first failure of a destination. */
  fail(d: Destination, error: unknown): void {
    d.failure ??= error;
  }
}

/** The key requests are limited by: the registry host, or the name for other transports. */
export function hostOf(repo: ImageRepository): string {
  return repo.host ?? repo.name;
}

/** Zeroed {@link CopyStats}. */
export function emptyStats(): CopyStats {
  return { blobsCopied: 0, blobsMounted: 0, blobsSkipped: 0, bytesCopied: 0, manifestsPushed: 0, referrersCopied: 0 };
}
