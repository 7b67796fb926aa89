import type { Logger } from '../log.js';
import type { RateLimit } from '../providers/types.js';

/** The state a connection keeps about its registry's quota. */
export interface RateLimitState {
  last?: RateLimit;
  warned: boolean;
}

/**
 * Low: under 10 % of the window's quota, or at most 10 pulls when the quota is unknown. Hub's
 * anonymous quota is small enough that a multi-image copy can use it up (RC#711).
 */
export function isLow(r: RateLimit): boolean {
  return r.limit !== undefined && r.limit > 0 ? r.remaining < r.limit * 0.1 : r.remaining <= 10;
}

/** `98 of 100 pulls left per 6 h (counted for 203.0.113.7)`. */
export function describeRateLimit(r: RateLimit): string {
  const window = r.windowSeconds !== undefined ? ` per ${r.windowSeconds % 3600 === 0 ? `${r.windowSeconds / 3600} h` : `${r.windowSeconds} s`}` : '';
  const of = r.limit !== undefined ? ` of ${r.limit}` : '';
  return `${r.remaining}${of} pulls left${window}${r.source ? ` (counted for ${r.source})` : ''}`;
}

/** Records a reported quota: a debug line each time, one warning per connection once it runs low. */
export function observeRateLimit(state: RateLimitState, host: string, r: RateLimit, logger: Logger | undefined): void {
  state.last = r;
  logger?.debug(`${host}: ${describeRateLimit(r)}`);
  if (!state.warned && isLow(r)) {
    state.warned = true;
    logger?.warn(`${host}: ${describeRateLimit(r)}; log in or wait to avoid HTTP 429`);
  }
}
