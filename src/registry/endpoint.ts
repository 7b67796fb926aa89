import { RegctlError, isRegctlError } from '../errors.js';
import type { Logger } from '../log.js';
import { providerFor } from '../providers/index.js';
import { isLoopbackHost } from '../ref/host.js';
import { errorCode } from '../transport/retry.js';
import type { HttpResponse, HttpSender } from '../transport/types.js';
import { headerAll } from '../transport/types.js';

/** Where a registry answers, learnt from its `/v2/` ping. */
export interface Endpoint {
  /** `https://host[:port]` or `http://...`, no trailing slash. */
  baseUrl: string;
  secure: boolean;
  /** `WWW-Authenticate` values from the ping, empty when the registry allows anonymous access. */
  challenges: string[];
}

/** How to reach a registry host. */
export interface EndpointOptions {
  /** Use http for this host. */
  plainHttp?: boolean;
  /**
   * After https fails (not on a certificate error), try plain http. Default: only for loopback
   * hosts. A host configured `tls: insecure` sets it, as docker does for its insecure registries;
   * `tls: enabled` clears it.
   */
  httpFallback?: boolean;
}

async function ping(http: HttpSender, baseUrl: string, fallback: boolean): Promise<HttpResponse> {
  // One try only when a plain-http probe follows: that fallback answers a failure faster than
  // waiting would. With nothing to fall back to, one reset or 503 must not fail the command, so
  // the ping is retried like any request (found by the fault suite, docs/reliability.md).
  return http.send({ method: 'GET', url: `${baseUrl}/v2/`, ...(fallback && { retries: 0 }) });
}

function accept(res: HttpResponse, baseUrl: string): Endpoint | undefined {
  // 200 (open) and 401 (auth needed) are the answers of a distribution API; anything else (a Go
  // TLS server's "HTTP request to an HTTPS server" 400, a web page) is not a registry here.
  if (res.status !== 200 && res.status !== 401) return undefined;
  return { baseUrl, secure: baseUrl.startsWith('https:'), challenges: res.status === 401 ? headerAll(res, 'www-authenticate') : [] };
}

/**
 * Finds the registry's base URL and its auth challenge. https unless `plainHttp`; loopback hosts
 * (localhost, 127.0.0.0/8, ::1) try https and fall back to http, as docker does for them
 * (DESIGN.md, command-line contract). A TLS certificate failure is never "fixed" by falling
 * back: no plain-http request follows it, and a plain-http probe that reaches a TLS server is
 * not accepted as a registry answer either.
 */
export async function resolveEndpoint(http: HttpSender, host: string, opts: EndpointOptions, logger?: Logger): Promise<Endpoint> {
  const connectHost = providerFor(host).endpointHost?.(host) ?? host;
  const https = `https://${connectHost}`;
  const plain = `http://${connectHost}`;
  if (opts.plainHttp) return await probe(http, plain, host, false);
  const fallback = opts.httpFallback ?? isLoopbackHost(host);
  let firstError: unknown;
  try {
    return await probe(http, https, host, fallback);
  } catch (e) {
    if (!fallback || !isRegctlError(e, 'NETWORK', 'TIMEOUT', 'REGISTRY_ERROR') || isCertificateError(e)) throw e;
    firstError = e;
  }
  logger?.debug(`${host}: https failed, trying plain http (${isLoopbackHost(host) ? 'loopback' : 'insecure'} registry)`);
  try {
    return await probe(http, plain, host, false);
  } catch {
    throw firstError;
  }
}

/**
 * True when https failed on an untrusted certificate. The server does speak TLS, so plain http
 * is never the answer; trying it anyway would send a request in clear text for nothing.
 */
function isCertificateError(e: RegctlError): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_(?:GET|VERIFY)|ERR_TLS/.test(errorCode(e.cause) ?? '');
}

async function probe(http: HttpSender, baseUrl: string, host: string, fallback: boolean): Promise<Endpoint> {
  const res = await ping(http, baseUrl, fallback);
  await res.body.dump().catch(() => undefined);
  const ep = accept(res, baseUrl);
  if (!ep && (res.status === 429 || res.status >= 500)) {
    // A registry that is overloaded or down is still a registry: say so, not "not a registry".
    throw new RegctlError(res.status === 429 ? 'RATE_LIMITED' : 'REGISTRY_ERROR', `${host} is unavailable: GET ${baseUrl}/v2/ answered HTTP ${res.status}`, { status: res.status });
  }
  if (!ep) {
    throw new RegctlError('REGISTRY_ERROR', `${host} does not look like a container registry: GET ${baseUrl}/v2/ answered HTTP ${res.status}`, { status: res.status });
  }
  return ep;
}
