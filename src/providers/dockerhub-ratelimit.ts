/**
 * Docker Hub's pull quota headers (REGISTRIES.md, "Docker Hub", rate limits):
 *
 *     ratelimit-limit: 100;w=21600
 *     ratelimit-remaining: 20;w=21600
 *     docker-ratelimit-source: 203.0.113.7
 *
 * A manifest GET counts as a pull, a HEAD does not; past the quota Hub answers 429. The numbers
 * differ by plan and change over time, so they are read, never assumed.
 */
import { header, type HttpResponse } from '../transport/types.js';
import type { RateLimit } from './types.js';

/** `20;w=21600` -> `{ value: 20, window: 21600 }`; undefined when it does not parse. */
function quota(text: string | undefined): { value: number; window?: number } | undefined {
  const m = /^\s*(\d+)\s*(?:;\s*w\s*=\s*(\d+))?/.exec(text ?? '');
  if (!m) return undefined;
  return { value: Number(m[1]), ...(m[2] !== undefined && { window: Number(m[2]) }) };
}

/** The quota a Hub response reports, or undefined when it carries no rate-limit headers. */
export function parseHubRateLimit(res: Pick<HttpResponse, 'headers'>): RateLimit | undefined {
  const remaining = quota(header(res, 'ratelimit-remaining'));
  if (!remaining) return undefined;
  const limit = quota(header(res, 'ratelimit-limit'));
  const window = remaining.window ?? limit?.window;
  const source = header(res, 'docker-ratelimit-source');
  return {
    remaining: remaining.value,
    ...(limit && { limit: limit.value }),
    ...(window !== undefined && { windowSeconds: window }),
    ...(source && { source }),
  };
}
