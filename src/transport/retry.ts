/**
 * The retry policy, kept apart from the HTTP client so that it can be read, tuned and tested on
 * its own (DESIGN principle 5; the shape follows oras-go registry/remote/retry/policy.go).
 * Everything here is pure: the client supplies the clock and the random source.
 */

/** How often and how patiently a request is re-sent. */
export interface RetryPolicy {
  /** Retries after the first try (so `max + 1` tries at most). */
  max: number;
  /** Upper bound of the first backoff window; it doubles per retry. */
  baseDelayMs: number;
  /** The backoff window never grows beyond this. */
  maxDelayMs: number;
  /** A server's `Retry-After` is honoured up to this long, never longer. */
  retryAfterCapMs: number;
}

/** The defaults: 4 retries, 200 ms doubling up to 10 s, Retry-After capped at one minute. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  max: 4,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  retryAfterCapMs: 60_000,
});

/**
 * Statuses worth another try: request timeout, rate limit, and the gateway family. 501 and 505
 * are left out because they will not change on a second attempt.
 */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** Node and undici error codes that mean "the connection failed, the server may be fine". */
const RETRYABLE_ERROR_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  // The client only sees this one before it has returned the response (the request promise
  // rejects); once the caller streams the body, a body timeout is the caller's problem.
  'UND_ERR_BODY_TIMEOUT',
]);

/** Error codes that are reported as `TIMEOUT` rather than `NETWORK`. */
const TIMEOUT_ERROR_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The `code` of an error, looking through `cause` chains (undici wraps some node errors). */
export function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for an HTTP status that {@link shouldRetry} would retry. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** True for a connection-level failure that {@link shouldRetry} would retry. */
export function isRetryableError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && RETRYABLE_ERROR_CODES.has(code);
}

/** True when a failure is a timeout (connect, headers or body) rather than another network error. */
export function isTimeoutError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && TIMEOUT_ERROR_CODES.has(code);
}

/** What happened on one try: a status, or an error thrown before any status arrived. */
export type AttemptOutcome = { status: number; error?: undefined } | { error: unknown; status?: undefined };

/**
 * Decides whether to try again. `attempt` counts the retries already made (0 after the first
 * try). A request whose body cannot be recreated is never retried, whatever went wrong.
 */
export function shouldRetry(
  outcome: AttemptOutcome,
  attempt: number,
  policy: RetryPolicy,
  replayable = true,
): boolean {
  if (!replayable || attempt >= policy.max) return false;
  return outcome.status !== undefined ? isRetryableStatus(outcome.status) : isRetryableError(outcome.error);
}

/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(max, base * 2^attempt)).
 * Full jitter spreads a burst of clients that failed together (AWS architecture blog,
 * "Exponential Backoff And Jitter").
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * window);
}

/**
 * Parses a `Retry-After` header (RFC 9110 10.2.3): delay-seconds or an HTTP-date. Returns the
 * wait in milliseconds (never negative), or undefined when the value is missing or garbage.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // Only date-looking values: Date.parse accepts odd inputs such as "1.5" otherwise.
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * The wait before the next retry: the server's `Retry-After` when it sent a usable one (capped
 * by `retryAfterCapMs`), otherwise {@link backoffDelay}.
 */
export function retryDelay(
  attempt: number,
  policy: RetryPolicy,
  retryAfter: string | undefined,
  now: number = Date.now(),
  random: () => number = Math.random,
): number {
  const fromServer = parseRetryAfter(retryAfter, now);
  if (fromServer !== undefined) return Math.min(fromServer, policy.retryAfterCapMs);
  return backoffDelay(attempt, policy, random);
}
