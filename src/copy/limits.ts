import { limiter, priorityLimiter, type Limiter, type PriorityLimiter } from './limit.js';

/**
 * Blob streams at once per source registry. Measured on loopback and through a 25 ms proxy
 * (docs/copy.md, "Measurements"): 8 was the fastest for direct copies, which are CPU-bound,
 * and within 20% of the best (12) for many small layers on a far registry.
 */
export const DEFAULT_BLOB_CONCURRENCY = 8;

/** Small requests (HEADs, manifests, mounts) at once per registry. */
export const DEFAULT_SMALL_CONCURRENCY = 16;

/** Options of {@link TransferLimits}. */
export interface TransferLimitOptions {
  /** Blob transfers at once per source registry; default {@link DEFAULT_BLOB_CONCURRENCY}. */
  blobs?: number;
  /** HEADs, manifest requests and mounts at once per registry; default {@link DEFAULT_SMALL_CONCURRENCY}. */
  small?: number;
  /** Blob transfers at once for one source host, overriding `blobs` (config `hosts["<host>"].concurrency`). */
  blobsFor?: (host: string) => number | undefined;
}

/**
 * Per-registry concurrency limits for a copy. Blob bodies and small requests have separate
 * slots, so a HEAD or a manifest never waits behind a multi-GB layer. Share one instance
 * between copies (e.g. a sync of many images) to bound the load on each registry overall.
 */
export class TransferLimits {
  private readonly blobLimit: number;
  private readonly smallLimit: number;
  private readonly blobsFor: ((host: string) => number | undefined) | undefined;
  private readonly blobLimiters = new Map<string, PriorityLimiter>();
  private readonly smallLimiters = new Map<string, Limiter>();

  constructor(opts: TransferLimitOptions = {}) {
    this.blobLimit = opts.blobs ?? DEFAULT_BLOB_CONCURRENCY;
    this.smallLimit = opts.small ?? DEFAULT_SMALL_CONCURRENCY;
    this.blobsFor = opts.blobsFor;
  }

  /** The limiter for blob transfers read from `host`; waiting transfers start largest first. */
  blobs(host: string): PriorityLimiter {
    let l = this.blobLimiters.get(host);
    if (!l) this.blobLimiters.set(host, (l = priorityLimiter(this.blobsFor?.(host) ?? this.blobLimit)));
    return l;
  }

  /** The limiter for small requests to `host`. */
  small(host: string): Limiter {
    let l = this.smallLimiters.get(host);
    if (!l) this.smallLimiters.set(host, (l = limiter(this.smallLimit)));
    return l;
  }
}
