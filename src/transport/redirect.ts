/**
 * Redirect rules, applied by hand in {@link HttpClient} rather than by undici's redirect
 * interceptor so that credentials can be stripped per hop (DESIGN principle 4; the header list
 * follows undici lib/handler/redirect-handler.js).
 */
import type { HttpMethod } from './types.js';

/** Statuses that carry a `Location` the client may follow. */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Headers that identify the caller and must never reach another origin. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

/** Body-describing headers that lose their meaning once a redirect turns the request into a GET. */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'content-range', 'digest']);

/** True when `status` is a redirect the client knows how to follow. */
export function isRedirectStatus(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

/** The next hop of a redirect. */
export interface RedirectHop {
  url: URL;
  method: HttpMethod;
  /** False when the next hop is sent without the original body (303, or 301/302 after POST). */
  keepBody: boolean;
  /** The next hop is on another scheme+host+port. */
  crossOrigin: boolean;
  /** https -> http. */
  downgrade: boolean;
}

/**
 * Works out where a redirect leads. `location` may be relative (RFC 9110 10.2.2); returns
 * undefined when it is missing or does not parse.
 */
export function nextHop(
  status: number,
  location: string | undefined,
  current: URL,
  method: HttpMethod,
): RedirectHop | undefined {
  if (!isRedirectStatus(status) || !location) return undefined;
  let url: URL;
  try {
    url = new URL(location, current);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // 303 always becomes a GET; 301/302 after POST do too, as every browser and curl does.
  const toGet = (status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST');
  return {
    url,
    method: toGet ? 'GET' : method,
    keepBody: !toGet && method !== 'GET' && method !== 'HEAD',
    crossOrigin: url.origin !== current.origin,
    downgrade: current.protocol === 'https:' && url.protocol === 'http:',
  };
}

/**
 * The headers for the next hop: credentials dropped when it leaves the origin (blob GETs are
 * redirected to S3/GCS/CDNs, and ECR's S3 rejects a request carrying both the presigned query
 * and an Authorization header: "Only one auth mechanism allowed", REGISTRIES.md, renovate#3877),
 * body headers dropped when the body is.
 */
export function redirectHeaders(headers: Record<string, string>, hop: RedirectHop): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (hop.crossOrigin && CREDENTIAL_HEADERS.has(lower)) continue;
    if (!hop.keepBody && BODY_HEADERS.has(lower)) continue;
    if (lower === 'host') continue;
    out[name] = value;
  }
  return out;
}

/** A URL without its query string and fragment, for logs and error messages: presigned URLs carry signatures there. */
export function displayUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    u.search = '';
    u.hash = '';
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return String(url).replace(/[?#].*$/s, '');
  }
}
